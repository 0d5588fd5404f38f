"""Who is who. Roles are Django groups (created by a data migration); admins are staff.

Each role includes the ones below it: admin ⊃ editor ⊃ journalist ⊃ reader. The rules that
use these roles live in `archive.rules` and `annotations.rules`, whose services `require`
them.
"""

from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from .actors import people

JOURNALISTS = "journalists"
EDITORS = "editors"
ROLE_GROUPS = (JOURNALISTS, EDITORS)

AnyUser = User | AnonymousUser


def _groups(user: AnyUser) -> frozenset[str]:
    cached = getattr(user, "_claimdesk_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._claimdesk_groups = cached
    return cached


def load_roles(users) -> None:
    """Read the role groups of `users` in one query, for the checks that follow (each user's
    own lookup otherwise costs a query per person)."""
    pending = {user.pk: user for user in users if getattr(user, "_claimdesk_groups", None) is None}
    if not pending:
        return
    names: dict[int, set[str]] = {pk: set() for pk in pending}
    memberships = User.groups.through.objects.filter(user_id__in=pending)
    for user_id, name in memberships.values_list("user_id", "group__name"):
        names[user_id].add(name)
    for pk, user in pending.items():
        user._claimdesk_groups = frozenset(names[pk])


def role_memberships(user_field: str) -> dict[str, Exists]:
    """Annotations saying whether the user at `user_field` (an OuterRef path) is in each
    role group, to read a user's roles in the query that reads the user (`roles_annotated`)."""
    memberships = User.groups.through.objects.filter(user_id=OuterRef(user_field))
    return {f"_role_{name}": Exists(memberships.filter(group__name=name)) for name in ROLE_GROUPS}


def roles_annotated(user: AnyUser, row) -> None:
    """Give `user` the roles read by `role_memberships` on `row`, for the checks that
    follow."""
    user._claimdesk_groups = frozenset(
        name for name in ROLE_GROUPS if getattr(row, f"_role_{name}")
    )


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def is_editor(user: AnyUser) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return is_admin(user) or EDITORS in _groups(user)


def is_journalist(user: AnyUser) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return is_editor(user) or JOURNALISTS in _groups(user)


def journalists():
    """The active people who may annotate (journalists, editors, admins), by username; the
    system's own accounts are not people."""
    return (
        people(User.objects.filter(is_active=True))
        .filter(
            Q(groups__name__in=[JOURNALISTS, EDITORS]) | Q(is_staff=True) | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )


def role_name(user: AnyUser) -> str:
    if is_admin(user):
        return "admin"
    if is_editor(user):
        return "editor"
    if is_journalist(user):
        return "journalist"
    return "reader"


def grant(user: User, group_name: str) -> None:
    """Put `user` in the role group `group_name`."""
    if group_name not in ROLE_GROUPS:
        raise ValueError(f"Unknown role group {group_name!r}; expected one of {ROLE_GROUPS}.")
    user.groups.add(Group.objects.get(name=group_name))
    user.__dict__.pop("_claimdesk_groups", None)


def require(allowed: bool, message: str) -> None:
    """Raise PermissionDenied with a message the user can act on unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message)
