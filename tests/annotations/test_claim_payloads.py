"""`claims_data`, the claims' read path: what each reader's payload holds, and the queries it
takes."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from annotations.models import Annotation, Claim, Evidence
from publication.representations import claims_data
from tests import factories
from tests.factories import (
    AnnotationFactory,
    AppearanceFactory,
    ClaimFactory,
    EvidenceFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_claims(alice_journalist, bob_journalist, erin_editor):
    """Claims covering every branch of the payload: an article without a source, several
    appearances, tags of two categories, a reviewer, evidence of each kind (a document among
    them), deleted evidence and annotations, drafts and returned annotations."""
    now = timezone.now()
    capture = factories.CaptureFactory()
    sourceless = factories.CaptureFactory(article=factories.ArticleFactory(source=None))
    tags = [
        TagFactory(slug="unsourced", label="Unsourced", category="sourcing"),
        TagFactory(slug="anonymous", label="Anonymous source", category="sourcing"),
        TagFactory(slug="politics", label="Politics", category="topic"),
    ]
    first = ClaimFactory(created_by=alice_journalist, claimant="Ministry")
    AppearanceFactory(claim=first, capture=capture)
    AppearanceFactory(claim=first, capture=sourceless)
    reviewed = AnnotationFactory(
        claim=first,
        author=alice_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=now,
        reviewed_by=erin_editor,
        reviewed_at=now,
        verdict=Annotation.Verdict.MISLEADING,
        confidence=Decimal("0.125"),
        tags=tags,
    )
    EvidenceFactory(annotation=reviewed, stance=Evidence.Stance.CONTRADICTS, note="Denied.")
    EvidenceFactory(
        annotation=reviewed, kind=Evidence.Kind.CAPTURE, url="", capture=capture, quote="annulé"
    )
    EvidenceFactory(
        annotation=reviewed,
        kind=Evidence.Kind.DOCUMENT,
        url="",
        document="evidence/2026/11/statement.pdf",
    )
    EvidenceFactory(annotation=reviewed, deleted_at=now)
    AnnotationFactory(claim=first, author=bob_journalist, tags=tags[1:])
    AnnotationFactory(
        claim=first,
        author=bob_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=now,
        deleted_at=now,
    )
    second = ClaimFactory(created_by=bob_journalist, language="en", text="Second claim")
    AppearanceFactory(claim=second, capture=capture)
    AnnotationFactory(
        claim=second,
        author=bob_journalist,
        status=Annotation.Status.RETURNED,
        review_comment="Cite the decree.",
        reviewed_by=erin_editor,
        reviewed_at=now,
        tags=tags[:1],
    )
    ClaimFactory(created_by=alice_journalist, text="Claim with no appearance or annotation")
    return Claim.objects.order_by("pk")


@pytest.mark.parametrize("reader", ["anonymous", "alice_journalist", "bob_journalist", "editor"])
def test_claims_data_shows_each_reader_the_annotations_they_may_see(
    varied_claims, reader, alice_journalist, bob_journalist, erin_editor
):
    user = {
        "anonymous": AnonymousUser(),
        "alice_journalist": alice_journalist,
        "bob_journalist": bob_journalist,
        "editor": erin_editor,
    }[reader]
    visible = varied_claims.visible_to(user)

    actual = claims_data(list(visible.with_creator()), user)

    assert actual, "every reader sees at least the published claim"
    visible_annotations = set(Annotation.objects.visible_to(user).values_list("pk", flat=True))
    shown = {a["id"] for claim in actual for a in claim["annotations"]}
    assert shown == visible_annotations & set(
        Annotation.objects.filter(claim__in=visible).values_list("pk", flat=True)
    )
    documents = [
        e["document"]
        for claim in actual
        for annotation in claim["annotations"]
        for e in annotation["evidence"]
        if e["kind"] == "document"
    ]
    assert documents == ["/media/evidence/2026/11/statement.pdf"]


def test_editor_sees_claims_without_annotations_with_empty_lists(varied_claims, erin_editor):
    bare = varied_claims.get(text="Claim with no appearance or annotation")

    [payload] = claims_data([Claim.objects.with_creator().get(pk=bare.pk)], erin_editor)

    assert payload["appearances"] == []
    assert payload["annotations"] == []


def test_claims_data_of_no_claims_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert claims_data([], AnonymousUser()) == []


def test_claims_data_skips_tags_and_evidence_when_no_annotation_is_visible(
    alice_journalist, django_assert_num_queries
):
    claim = ClaimFactory(created_by=alice_journalist)
    AppearanceFactory(claim=claim)
    AnnotationFactory(claim=claim, author=alice_journalist)  # a draft: not for anonymous readers
    claims = list(Claim.objects.with_creator())

    # appearances (+ capture, article, source); annotations (+ author, reviewer).
    with django_assert_num_queries(2):
        [payload] = claims_data(claims, AnonymousUser())

    assert len(payload["appearances"]) == 1
    assert payload["annotations"] == []


def test_any_lookup_matches_foreign_keys_among_the_ids(alice_journalist):
    first, second, third = (AnnotationFactory(author=alice_journalist) for _ in range(3))

    matched = Annotation.objects.filter(claim_id__any=[first.claim_id, third.claim_id])

    assert sorted(matched.values_list("pk", flat=True)) == [first.pk, third.pk]
    assert second not in matched
    assert not Annotation.objects.filter(claim_id__any=[]).exists()
