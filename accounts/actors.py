"""Who acts: a user, or a named system actor for the writes no person makes (imports, seeds,
re-anchoring). Services that take `actor=` accept either; the rules say what each may do."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet


@dataclass(frozen=True)
class SystemActor:
    """A named part of Claimdesk acting on its own account. It has no database row: its name
    is what records of its writes show."""

    name: str

    is_authenticated = True  # it is nobody anonymous; which writes it may make is a rule

    @property
    def username(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


IMPORT = SystemActor("import")  # manage.py archive
SEEDS = SystemActor("seeds")  # manage.py load_seeds
REANCHORING = SystemActor("re-anchoring")  # appearances following a new capture
WATCHER = SystemActor("watcher")  # watches' feeds and pages, scheduled re-captures
# the language of imported articles, detected once their batch is stored
LANGUAGE_DETECTION = SystemActor("language-detection")

# The user row that owns seeded material (load_seeds): an admin no one can log in as.
SEED_ACCOUNT = "claimdesk"
# Names that are Claimdesk itself, never a person: not offered, listed or counted as one.
SYSTEM_NAMES = frozenset(
    {SEED_ACCOUNT, IMPORT.name, SEEDS.name, REANCHORING.name, WATCHER.name, LANGUAGE_DETECTION.name}
)

Actor = User | AnonymousUser | SystemActor


def people(users: QuerySet[User]) -> QuerySet[User]:
    """`users` without Claimdesk's own accounts."""
    return users.exclude(username__in=SYSTEM_NAMES)


def is_system(actor: object) -> bool:
    return isinstance(actor, SystemActor)
