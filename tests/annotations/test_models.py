from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import Annotation, Appearance, Evidence
from tests.factories import (
    CLAIM_SENTENCE,
    AnnotationFactory,
    AppearanceFactory,
    CaptureFactory,
    ClaimFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_appearance_quote_must_equal_the_capture_text_at_its_offsets():
    capture = CaptureFactory()
    start = capture.text.index(CLAIM_SENTENCE)
    appearance = Appearance(
        claim=ClaimFactory(),
        capture=capture,
        start=start,
        end=start + len(CLAIM_SENTENCE),
        quote="Aucune raison officielle n’a été donnée.",
    )
    with pytest.raises(ValidationError) as excinfo:
        appearance.full_clean(exclude=["created_by"])
    message = str(excinfo.value)
    assert "the capture has “" + CLAIM_SENTENCE + "”" in message
    assert "the quote given was “Aucune raison officielle n’a été donnée.”" in message


def test_appearance_offsets_count_code_points_not_utf16_units():
    text = "Intro 😀 « guillemets » puis l’affirmation vérifiable."
    capture = CaptureFactory(text=text)
    quote = "l’affirmation vérifiable"
    start = text.index(quote)
    assert start == len("Intro 😀 « guillemets » puis ")
    appearance = Appearance(
        claim=ClaimFactory(), capture=capture, start=start, end=start + len(quote), quote=quote
    )
    appearance.full_clean(exclude=["created_by"])


def test_appearance_past_the_end_of_the_capture_is_refused():
    capture = CaptureFactory(text="Court.")
    appearance = Appearance(claim=ClaimFactory(), capture=capture, start=0, end=50, quote="x")
    with pytest.raises(ValidationError, match="runs past the end of the capture"):
        appearance.full_clean(exclude=["created_by"])


def test_appearance_empty_span_is_refused_by_validation_and_database():
    appearance = AppearanceFactory()
    appearance.end = appearance.start
    with pytest.raises(ValidationError, match="end after it starts"):
        appearance.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Appearance.objects.filter(pk=appearance.pk).update(end=appearance.start)


def test_appearance_anchor_fields_are_constrained_by_the_database():
    appearance = AppearanceFactory()
    for change in ({"anchor_status": "lost"}, {"anchor_method": "magic"}, {"anchor_score": 1.5}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Appearance.objects.filter(pk=appearance.pk).update(**change)


def test_same_claim_cannot_be_marked_twice_at_the_same_place():
    appearance = AppearanceFactory()
    twin = Appearance(
        claim=appearance.claim,
        capture=appearance.capture,
        start=appearance.start,
        end=appearance.end,
        quote=appearance.quote,
        created_by=appearance.created_by,
    )
    with pytest.raises(ValidationError, match="already marked at this place"):
        twin.full_clean()


@pytest.mark.parametrize("confidence", [Decimal("-0.1"), Decimal("1.001")])
def test_confidence_outside_zero_to_one_is_refused(confidence):
    annotation = AnnotationFactory()
    annotation.confidence = confidence
    with pytest.raises(ValidationError, match="confidence"):
        annotation.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=annotation.pk).update(confidence=confidence)


def test_one_annotation_per_author_per_claim():
    annotation = AnnotationFactory()
    second = Annotation(claim=annotation.claim, author=annotation.author, confidence=Decimal("0.5"))
    with pytest.raises(ValidationError, match="already annotated this claim"):
        second.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_another_author_may_annotate_the_same_claim():
    annotation = AnnotationFactory()
    AnnotationFactory(claim=annotation.claim, author=UserFactory())
    assert annotation.claim.annotations.count() == 2


def test_a_soft_deleted_annotation_frees_its_author_to_annotate_again():
    annotation = AnnotationFactory()
    Annotation.objects.filter(pk=annotation.pk).update(deleted_at=timezone.now())
    AnnotationFactory(claim=annotation.claim, author=annotation.author)


def test_status_and_verdict_outside_their_choices_are_refused_by_the_database():
    annotation = AnnotationFactory()
    for change in ({"status": "approved"}, {"verdict": "pants-on-fire"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Annotation.objects.filter(pk=annotation.pk).update(**change)


def test_published_annotation_needs_a_publication_date():
    annotation = AnnotationFactory()
    annotation.status = Annotation.Status.PUBLISHED
    with pytest.raises(ValidationError, match="publication date"):
        annotation.full_clean()


def test_returned_annotation_needs_a_comment():
    annotation = AnnotationFactory()
    annotation.status = Annotation.Status.RETURNED
    with pytest.raises(ValidationError, match="needs a comment"):
        annotation.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=annotation.pk).update(status="returned")


def test_evidence_fields_must_match_its_kind():
    annotation = AnnotationFactory()
    evidence = Evidence(
        annotation=annotation, kind="url", stance="supports", added_by=annotation.author
    )
    with pytest.raises(ValidationError, match="needs its URL"):
        evidence.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        evidence.save()


def test_evidence_quote_must_be_in_the_cited_capture():
    annotation = AnnotationFactory()
    capture = CaptureFactory(text="Le ministère n’a fait aucun commentaire.")
    evidence = Evidence(
        annotation=annotation,
        kind="capture",
        capture=capture,
        quote="Le ministère a tout expliqué.",
        stance="contradicts",
        added_by=annotation.author,
    )
    with pytest.raises(ValidationError, match="is not in the text of capture"):
        evidence.full_clean()


def test_evidence_stance_outside_its_choices_is_refused_by_the_database():
    annotation = AnnotationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.create(
            annotation=annotation,
            kind="url",
            url="https://example.org",
            stance="maybe",
            added_by=annotation.author,
        )


def test_claim_wording_is_required_and_whitespace_normalised():
    claim = ClaimFactory.build(text="  Aucune   raison\n officielle. ", created_by=UserFactory())
    claim.full_clean()
    assert claim.text == "Aucune raison officielle."
    claim.text = "   "
    with pytest.raises(ValidationError, match="needs its wording"):
        claim.full_clean()
