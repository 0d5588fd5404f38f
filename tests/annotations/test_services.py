from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.models import Annotation, Claim, Evidence, Tag
from journal.models import Entry
from tests.factories import CLAIM_SENTENCE, CaptureFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tag():
    return TagFactory(slug="no-official-reason-given", label="No official reason given")


def mark(user, capture, quote=CLAIM_SENTENCE):
    start = capture.text.index(quote)
    appearance, created = services.mark_claim(
        user=user, capture=capture, start=start, end=start + len(quote), quote=quote
    )
    assert created
    return appearance


def draft(user, claim, **kwargs):
    return services.create_annotation(
        user=user, claim=claim, confidence="0.8", tags=["no-official-reason-given"], **kwargs
    )


def test_journalist_marks_a_claim_with_offsets_quote_and_context(alice_journalist, capture):
    appearance = mark(alice_journalist, capture)
    assert appearance.claim.text == CLAIM_SENTENCE
    assert appearance.claim.language == "fr"
    assert capture.text[appearance.start : appearance.end] == CLAIM_SENTENCE
    assert capture.text[: appearance.start].endswith(appearance.prefix)
    assert capture.text[appearance.end :].startswith(appearance.suffix)
    assert len(appearance.prefix) == len(appearance.suffix) == 32


def test_marking_with_a_wrong_quote_changes_nothing(alice_journalist, capture):
    start = capture.text.index(CLAIM_SENTENCE)
    with pytest.raises(ValidationError, match="does not match the capture"):
        services.mark_claim(
            user=alice_journalist,
            capture=capture,
            start=start,
            end=start + len(CLAIM_SENTENCE),
            quote="Une autre phrase.",
        )
    assert not Claim.objects.exists()


def test_claim_can_appear_in_several_captures(alice_journalist, capture):
    first = mark(alice_journalist, capture)
    other = CaptureFactory(text="Selon l’agence : " + CLAIM_SENTENCE)
    start = other.text.index(CLAIM_SENTENCE)
    second, created = services.mark_claim(
        user=alice_journalist,
        capture=other,
        start=start,
        end=start + len(CLAIM_SENTENCE),
        quote=CLAIM_SENTENCE,
        claim=first.claim,
    )
    assert created
    assert second.claim == first.claim
    assert first.claim.appearances.count() == 2


def test_marking_a_claim_again_at_the_same_place_returns_its_appearance(
    alice_journalist, bob_journalist, capture
):
    first = mark(alice_journalist, capture)
    again, created = services.create_appearance(
        user=bob_journalist,
        claim=first.claim,
        capture=capture,
        start=first.start,
        end=first.end,
        quote=first.quote,
    )
    assert (again, created) == (first, False)
    assert first.claim.appearances.count() == 1


def test_marking_a_span_outside_the_text_creates_no_claim(alice_journalist, capture):
    end = len(capture.text) + 5
    with pytest.raises(ValidationError, match="runs past the end of the capture"):
        services.mark_claim(
            user=alice_journalist, capture=capture, start=0, end=end, quote=capture.text + "x"
        )
    assert not Claim.objects.exists()


def test_a_new_claim_takes_the_article_language_else_its_source_language(alice_journalist, capture):
    capture.article.language = ""
    capture.article.source.language = "ky"
    assert services.claim_language(capture) == "ky"
    capture.article.language = "fr"
    assert services.claim_language(capture) == "fr"


@pytest.mark.parametrize("who", ["anon", "rita_reader"])
def test_readers_cannot_mark_claims(request, who, capture):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        mark(user, capture)


def test_annotation_workflow_draft_submit_publish(alice_journalist, erin_editor, capture, tag):
    claim = mark(alice_journalist, capture).claim
    annotation = draft(alice_journalist, claim, rationale="Aucune déclaration de Bichkek.")
    assert annotation.status == Annotation.Status.DRAFT
    assert annotation.confidence == Decimal("0.800")
    services.submit_annotation(
        user=alice_journalist, annotation=annotation, expected_version=annotation.version
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.PUBLISHED
    assert annotation.reviewed_by == erin_editor
    assert annotation.published_at is not None
    actions = list(
        Entry.objects.about("annotation", annotation.pk).values_list("action", flat=True)
    )
    assert actions == ["created", "submitted", "published"]
    assert annotation.version == 3


def test_editor_cannot_publish_own_annotation(erin_editor, capture, tag):
    claim = mark(erin_editor, capture).claim
    annotation = draft(erin_editor, claim, submit=True)
    with pytest.raises(PermissionDenied, match="other than the author"):
        services.publish_annotation(
            user=erin_editor, annotation=annotation, expected_version=annotation.version
        )
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.SUBMITTED


def test_journalist_cannot_publish(alice_journalist, bob_journalist, capture, tag):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim, submit=True)
    with pytest.raises(PermissionDenied):
        services.publish_annotation(
            user=bob_journalist, annotation=annotation, expected_version=annotation.version
        )


def test_admin_may_publish_own_annotation(adam_admin, capture, tag):
    annotation = draft(adam_admin, mark(adam_admin, capture).claim, submit=True)
    services.publish_annotation(
        user=adam_admin, annotation=annotation, expected_version=annotation.version
    )
    assert annotation.status == Annotation.Status.PUBLISHED


def test_draft_cannot_be_published_before_submission(alice_journalist, erin_editor, capture, tag):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim)
    with pytest.raises(PermissionDenied):
        services.publish_annotation(
            user=erin_editor, annotation=annotation, expected_version=annotation.version
        )


def test_returned_annotation_carries_the_comment_and_can_be_resubmitted(
    alice_journalist, erin_editor, capture, tag
):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim, submit=True)
    with pytest.raises(ValidationError, match="Say what the author should change"):
        services.return_annotation(
            user=erin_editor,
            annotation=annotation,
            comment="  ",
            expected_version=annotation.version,
        )
    services.return_annotation(
        user=erin_editor,
        annotation=annotation,
        comment="Cite a source.",
        expected_version=annotation.version,
    )
    assert annotation.status == Annotation.Status.RETURNED
    assert annotation.review_comment == "Cite a source."
    services.update_annotation(
        user=alice_journalist,
        annotation=annotation,
        confidence="0.6",
        expected_version=annotation.version,
    )
    services.submit_annotation(
        user=alice_journalist, annotation=annotation, expected_version=annotation.version
    )
    assert annotation.status == Annotation.Status.SUBMITTED


def test_author_cannot_edit_a_submitted_annotation(alice_journalist, capture, tag):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim, submit=True)
    with pytest.raises(PermissionDenied, match="only while they are drafts or returned"):
        services.update_annotation(
            user=alice_journalist,
            annotation=annotation,
            confidence=0.1,
            expected_version=annotation.version,
        )


def test_journalist_cannot_edit_someone_elses_annotation(
    alice_journalist, bob_journalist, capture, tag
):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim)
    with pytest.raises(PermissionDenied):
        services.update_annotation(
            user=bob_journalist,
            annotation=annotation,
            rationale="x",
            expected_version=annotation.version,
        )


def test_stale_edit_is_refused_and_changes_nothing(alice_journalist, capture, tag):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim)
    services.update_annotation(
        user=alice_journalist, annotation=annotation, expected_version=1, rationale="First."
    )
    with pytest.raises(services.StaleVersionError, match="version 2, not 1"):
        services.update_annotation(
            user=alice_journalist,
            annotation=annotation,
            expected_version=1,
            rationale="Second.",
            tags=[],
        )
    annotation.refresh_from_db()
    assert annotation.rationale == "First."
    assert list(annotation.tags.values_list("slug", flat=True)) == ["no-official-reason-given"]
    assert Entry.objects.about("annotation", annotation.pk).count() == 2


@pytest.mark.parametrize("confidence", ["1.5", "-0.2", "abc", "NaN"])
def test_invalid_confidence_is_refused_with_the_value(alice_journalist, capture, confidence):
    claim = mark(alice_journalist, capture).claim
    with pytest.raises(ValidationError, match="between 0 and 1"):
        services.create_annotation(user=alice_journalist, claim=claim, confidence=confidence)
    assert not Annotation.objects.exists()


def test_unknown_tag_is_named_in_the_error(alice_journalist, capture):
    claim = mark(alice_journalist, capture).claim
    with pytest.raises(ValidationError, match=r"Unknown tag.*made-up"):
        services.create_annotation(
            user=alice_journalist, claim=claim, confidence="0.5", tags=["made-up"]
        )
    assert not Annotation.objects.exists()


def test_unknown_verdict_is_refused(alice_journalist, capture):
    claim = mark(alice_journalist, capture).claim
    with pytest.raises(ValidationError, match="verdict"):
        services.create_annotation(
            user=alice_journalist, claim=claim, confidence="0.5", verdict="pants-on-fire"
        )


def test_evidence_link_and_archived_quote(alice_journalist, capture, tag):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim)
    link = services.add_evidence(
        user=alice_journalist,
        annotation=annotation,
        url="https://www.example.org/communique",
        stance="supports",
    )
    quote = services.add_evidence(
        user=alice_journalist,
        annotation=annotation,
        capture=capture,
        quote="annulé les exercices conjoints",
        stance="context",
        note="Même article.",
    )
    assert (link.kind, quote.kind) == (Evidence.Kind.URL, Evidence.Kind.CAPTURE)
    services.remove_evidence(user=alice_journalist, evidence=link)
    assert list(annotation.evidence.alive()) == [quote]
    assert Evidence.objects.count() == 2  # removal is soft


def test_evidence_needs_exactly_one_target(alice_journalist, capture, tag):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim)
    with pytest.raises(ValidationError, match="exactly one of"):
        services.add_evidence(
            user=alice_journalist,
            annotation=annotation,
            url="https://example.org",
            capture=capture,
            stance="supports",
        )


def test_evidence_cannot_be_added_to_someone_elses_annotation(
    alice_journalist, bob_journalist, capture, tag
):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim)
    with pytest.raises(PermissionDenied):
        services.add_evidence(
            user=bob_journalist, annotation=annotation, url="https://x.org", stance="supports"
        )


def test_deleting_an_annotation_is_soft(alice_journalist, capture, tag):
    annotation = draft(alice_journalist, mark(alice_journalist, capture).claim)
    services.delete_annotation(
        user=alice_journalist, annotation=annotation, expected_version=annotation.version
    )
    assert not Annotation.objects.alive().exists()
    assert Annotation.objects.filter(pk=annotation.pk, deleted_at__isnull=False).exists()


def test_only_editors_curate_tags(alice_journalist, erin_editor):
    with pytest.raises(PermissionDenied):
        services.save_tag(user=alice_journalist, slug="rumour", label="Rumour")
    tag = services.save_tag(user=erin_editor, slug="rumour", label="Rumour")
    assert Tag.objects.get(slug="rumour") == tag


def test_deleting_a_claim_is_soft_and_limited(alice_journalist, bob_journalist, capture):
    claim = mark(alice_journalist, capture).claim
    with pytest.raises(PermissionDenied):
        services.delete_claim(user=bob_journalist, claim=claim)
    services.delete_claim(user=alice_journalist, claim=claim)
    assert not Claim.objects.alive().exists()
    assert Claim.objects.filter(pk=claim.pk).exists()
