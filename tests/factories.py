"""Factories for the domain model. Text-bearing objects default to the seed's sentence so that
quotes and offsets are realistic.

Factories write rows directly, not through the services, so those that make or change what a
claim shows (claims, appearances, annotations, evidence) refresh the published read model of
their claim themselves, as the services do (`publication.published.refresh`); a test that
changes rows by hand afterwards calls `publish_changes` for the claims it touched."""

import contextlib
from collections.abc import Iterable
from decimal import Decimal

import factory
from django.contrib.auth.models import User

from accounts.roles import EDITORS, JOURNALISTS, grant
from annotations.models import Annotation, Appearance, Claim, Evidence, Tag
from archive.models import Article, Capture, Source
from publication import published

CLAIM_SENTENCE = (
    "Aucune raison officielle de l’annulation n’a été rendue publique par les autorités kirghizes."
)
CAPTURE_TEXT = (
    "Cependant, dans une décision unilatérale, le Kirghizistan a annulé les exercices conjoints "
    "le 9 octobre – juste un jour avant qu’ils ne commencent. " + CLAIM_SENTENCE + "\n\n"
    "Juste un jour avant l’annulation, les exercices internationaux CTSO se sont terminés au "
    "Kazakhstan."
)


# Claims whose read model waits for the end of a `deferred_publication` block (None: none).
_deferred: set[int] | None = None


def publish_changes(claim_ids: Iterable[int]) -> None:
    """Refresh the published read model of these claims (after rows changed by hand)."""
    if _deferred is not None:
        _deferred.update(claim_ids)
    else:
        published.refresh(claim_ids)


@contextlib.contextmanager
def deferred_publication():
    """Refresh the read model once, at the end, for the claims the factories made inside."""
    global _deferred
    outer, _deferred = _deferred, set()
    try:
        yield
        claim_ids = _deferred
    finally:
        _deferred = outer
    publish_changes(claim_ids)


class RefreshesPublication(factory.django.DjangoModelFactory):
    """A factory whose rows a claim shows: refresh that claim's read model once created."""

    class Meta:
        abstract = True

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            publish_changes([cls.claim_id_of(instance)])

    @staticmethod
    def claim_id_of(instance) -> int:
        return instance.claim_id


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            grant(self, extracted)
        if create:
            self.save()


def journalist(username: str = "alice_journalist") -> User:
    return UserFactory(username=username, role=JOURNALISTS)


def editor(username: str = "erin_editor") -> User:
    return UserFactory(username=username, role=EDITORS)


def admin_user(username: str = "adam_admin") -> User:
    return UserFactory(username=username, is_staff=True, is_superuser=True)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    country = "FR"
    language = "fr"
    domains = factory.LazyAttribute(lambda s: [f"{s.slug}.example.org"])


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    source = factory.SubFactory(SourceFactory)
    url = factory.Sequence(lambda n: f"https://news.example.org/story/{n}")
    title = factory.Sequence(lambda n: f"Le Kirghizistan annule ses exercices ({n})")
    language = "fr"


class CaptureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capture

    article = factory.SubFactory(ArticleFactory)
    text = CAPTURE_TEXT
    origin = Capture.Origin.FILE
    extractor = "text"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"tag-{n}")
    label = factory.Sequence(lambda n: f"Tag {n}")
    category = "sourcing"


class ClaimFactory(RefreshesPublication):
    class Meta:
        model = Claim

    @staticmethod
    def claim_id_of(instance) -> int:
        return instance.pk

    text = CLAIM_SENTENCE
    language = "fr"
    created_by = factory.SubFactory(UserFactory)


class AppearanceFactory(RefreshesPublication):
    class Meta:
        model = Appearance

    claim = factory.SubFactory(ClaimFactory)
    capture = factory.SubFactory(CaptureFactory)
    start = factory.LazyAttribute(lambda a: a.capture.text.index(CLAIM_SENTENCE))
    end = factory.LazyAttribute(lambda a: a.start + len(CLAIM_SENTENCE))
    quote = CLAIM_SENTENCE
    created_by = factory.SelfAttribute("claim.created_by")


class AnnotationFactory(RefreshesPublication):
    class Meta:
        model = Annotation
        skip_postgeneration_save = True

    claim = factory.SubFactory(ClaimFactory)
    author = factory.SubFactory(UserFactory)
    confidence = Decimal("0.800")
    rationale = "No statement from Bishkek explains the cancellation."

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class EvidenceFactory(RefreshesPublication):
    class Meta:
        model = Evidence

    @staticmethod
    def claim_id_of(instance) -> int:
        return instance.annotation.claim_id

    annotation = factory.SubFactory(AnnotationFactory)
    kind = Evidence.Kind.URL
    url = "https://www.example.org/statement"
    stance = Evidence.Stance.SUPPORTS
    added_by = factory.SelfAttribute("annotation.author")


def annotated_claims(count: int, *, status: str = Annotation.Status.PUBLISHED) -> list[Claim]:
    """`count` claims, each marked once in a shared capture and assessed by three authors,
    every annotation with three tags and two pieces of evidence: the shape the list
    endpoints' query-count tests use."""
    from django.utils import timezone

    capture = CaptureFactory()
    authors = [journalist(f"corpus_author_{i}") for i in range(3)]
    tags = [TagFactory(slug=f"corpus-tag-{i}", label=f"Corpus tag {i}") for i in range(3)]
    published_at = timezone.now() if status == Annotation.Status.PUBLISHED else None
    claims = []
    with deferred_publication():
        for _ in range(count):
            claim = ClaimFactory(created_by=authors[0])
            AppearanceFactory(claim=claim, capture=capture)
            for author in authors:
                annotation = AnnotationFactory(
                    claim=claim,
                    author=author,
                    status=status,
                    published_at=published_at,
                    verdict=Annotation.Verdict.UNVERIFIABLE,
                    tags=tags,
                )
                EvidenceFactory.create_batch(2, annotation=annotation)
            claims.append(claim)
    return claims


def mark_sentence(user: User, capture: Capture, sentence: str = CLAIM_SENTENCE) -> Claim:
    """A new claim that `user` marked at `sentence` in `capture`, through the service."""
    from annotations import services

    start = capture.text.index(sentence)
    appearance, _ = services.mark_claim(
        user=user, capture=capture, start=start, end=start + len(sentence), quote=sentence
    )
    return appearance.claim
