"""Writes through the API: each role against each write, quote verification, review actions,
optimistic concurrency and CSRF."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from annotations.models import Annotation, Appearance, Claim, Evidence, Tag
from archive.models import Article, Capture, Source
from journal.models import Entry
from tests import factories
from tests.factories import CLAIM_SENTENCE

pytestmark = pytest.mark.django_db

# The role × write matrix, API, web and admin, is tests/security/test_role_matrix.py; the
# `world` it runs in is in tests/conftest.py.


def test_refused_write_changes_nothing(world, bob_journalist, as_user):
    before = (Claim.objects.count(), Annotation.objects.count(), Evidence.objects.count())
    response = as_user(bob_journalist).patch(
        f"/api/claims/{world['other_claim'].pk}/", {"text": "Rewritten"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only the claim's creator or an editor can change it.",
    }
    world["other_claim"].refresh_from_db()
    assert world["other_claim"].text == "Second claim"
    assert before == (Claim.objects.count(), Annotation.objects.count(), Evidence.objects.count())


def test_creating_a_claim_answers_its_read_representation(as_user, alice_journalist, capture):
    start = capture.text.index(CLAIM_SENTENCE)
    response = as_user(alice_journalist).post(
        "/api/claims/",
        {
            "capture": capture.pk,
            "start": start,
            "end": start + len(CLAIM_SENTENCE),
            "quote": CLAIM_SENTENCE,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["text"] == CLAIM_SENTENCE
    assert body["language"] == "fr"
    assert body["created_by"] == "alice_journalist"
    assert body["appearances"][0]["selector"]["start"] == start
    assert body["appearances"][0]["quote"] == CLAIM_SENTENCE
    assert body["annotations"] == []


def test_marking_a_claim_again_at_the_same_place_answers_the_existing_appearance(
    as_user, alice_journalist, capture
):
    start = capture.text.index(CLAIM_SENTENCE)
    span = {"capture": capture.pk, "start": start, "end": start + len(CLAIM_SENTENCE)}
    client = as_user(alice_journalist)
    claim = client.post("/api/claims/", {**span, "quote": CLAIM_SENTENCE}, format="json").json()
    body = {**span, "claim": claim["id"], "quote": CLAIM_SENTENCE}

    again = client.post("/api/appearances/", body, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == claim["appearances"][0]["id"]
    assert Appearance.objects.count() == 1


def test_a_quote_not_matching_the_capture_is_refused_showing_both_texts(
    as_user, alice_journalist, capture
):
    start = capture.text.index(CLAIM_SENTENCE)
    given = CLAIM_SENTENCE.replace("kirghizes", "kazakhes")
    response = as_user(alice_journalist).post(
        "/api/claims/",
        {"capture": capture.pk, "start": start, "end": start + len(given), "quote": given},
        format="json",
    )
    assert response.status_code == 400
    [message] = response.json()["errors"]["quote"]
    assert f"the capture has “{capture.text[start : start + len(given)]}”" in message
    assert f"the quote given was “{given}”" in message
    assert not Claim.objects.exists()
    assert not Appearance.objects.exists()


def test_a_span_past_the_end_of_the_capture_is_a_400(as_user, alice_journalist, capture):
    response = as_user(alice_journalist).post(
        "/api/claims/",
        {"capture": capture.pk, "start": 10, "end": 10**6, "quote": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "runs past the end of the capture" in response.json()["errors"]["end"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"claim": "abc", "confidence": 0.5}, "claim"),
        ({"claim": 10**30, "confidence": 0.5}, "claim"),
        ({"claim": None, "confidence": 2}, "claim"),
        ({"confidence": 0.5}, "claim"),
    ],
)
def test_bad_annotation_input_is_a_400_naming_the_field(
    as_user, bob_journalist, world, body, field
):
    response = as_user(bob_journalist).post("/api/annotations/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_unknown_tag_is_a_400_naming_it(as_user, bob_journalist, world):
    response = as_user(bob_journalist).post(
        "/api/annotations/",
        {"claim": world["other_claim"].pk, "confidence": 0.5, "tags": ["no-such-tag"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "tags": ["Unknown tag(s): no-such-tag. Pick from the vocabulary."]
    }


def test_review_workflow_through_the_api(as_user, world, erin_editor, alice_journalist):
    alice, erin = as_user(alice_journalist), as_user(erin_editor)
    draft = world["draft"]
    submitted = alice.post(
        f"/api/annotations/{draft.pk}/submit/", {"version": draft.version}, format="json"
    ).json()
    assert submitted["status"] == "submitted"
    # Submitted work is no longer the author's to edit.
    response = alice.patch(
        f"/api/annotations/{draft.pk}/",
        {"confidence": 0.1, "version": submitted["version"]},
        format="json",
    )
    assert response.status_code == 403
    returned = erin.post(
        f"/api/annotations/{draft.pk}/return/",
        {"comment": "Add a source.", "version": submitted["version"]},
        format="json",
    ).json()
    assert (returned["status"], returned["review_comment"]) == ("returned", "Add a source.")
    edited = alice.patch(
        f"/api/annotations/{draft.pk}/",
        {"confidence": 0.95, "version": returned["version"]},
        format="json",
    ).json()
    resubmitted = alice.post(
        f"/api/annotations/{draft.pk}/submit/", {"version": edited["version"]}, format="json"
    ).json()
    published = erin.post(
        f"/api/annotations/{draft.pk}/publish/",
        {"version": resubmitted["version"]},
        format="json",
    ).json()
    assert published["status"] == "published"
    assert published["reviewed_by"] == "erin_editor"
    assert published["confidence"] == 0.95
    assert APIClient().get(f"/api/annotations/{draft.pk}/").status_code == 200


def test_return_needs_a_comment(as_user, world, erin_editor):
    response = as_user(erin_editor).post(
        f"/api/annotations/{world['submitted'].pk}/return/", {"comment": "  "}, format="json"
    )
    assert response.status_code == 400
    assert "comment" in response.json()["errors"]


def test_editor_cannot_publish_own_annotation(as_user, erin_editor, world):
    annotation = factories.AnnotationFactory(
        claim=world["other_claim"], author=erin_editor, status=Annotation.Status.SUBMITTED
    )
    response = as_user(erin_editor).post(
        f"/api/annotations/{annotation.pk}/publish/", {"version": annotation.version}
    )
    assert response.status_code == 403
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.SUBMITTED


def test_deleting_a_source_with_articles_is_a_conflict(as_user, adam_admin, capture):
    source = capture.article.source
    response = as_user(adam_admin).delete(f"/api/sources/{source.slug}/")
    assert response.status_code == 409
    assert Source.objects.filter(pk=source.pk).exists()


def test_invalid_source_is_a_400_and_changes_nothing(as_user, adam_admin, world):
    response = as_user(adam_admin).patch(
        "/api/sources/empty-outlet/", {"domains": ["not a host"], "country": "FR"}, format="json"
    )
    assert response.status_code == 400
    assert "domains" in response.json()["errors"]
    assert Source.objects.get(slug="empty-outlet").domains == ["empty-outlet.example.org"]


def test_identical_capture_text_is_refused(as_user, alice_journalist, capture):
    response = as_user(alice_journalist).post(
        f"/api/articles/{capture.article_id}/captures/", {"text": capture.text}, format="json"
    )
    assert response.status_code == 400
    assert Capture.objects.count() == 1


def test_captures_are_immutable(as_user, adam_admin, capture):
    client = as_user(adam_admin)
    assert client.patch(f"/api/captures/{capture.pk}/", {"text": "x"}).status_code == 405
    assert client.delete(f"/api/captures/{capture.pk}/").status_code == 405
    assert Capture.objects.get().text == capture.text


def test_archiving_an_article_stores_it_with_its_first_capture(as_user, alice_journalist):
    factories.SourceFactory(slug="kloop")
    response = as_user(alice_journalist).post(
        "/api/articles/",
        {
            "title": "Kyrgyzstan cancels",
            "text": "Bishkek gave no reason.\n",
            "source": "kloop",
            "url": "https://kloop.example.org/a",
            "language": "en",
            "authors": ["A. Writer"],
        },
        format="json",
    )
    assert response.status_code == 201
    article = Article.objects.get()
    assert response.json()["latest_capture"] == article.captures.get().pk
    assert response.json()["source"]["slug"] == "kloop"


def test_tag_edit_keeps_unsent_fields(as_user, erin_editor, world):
    response = as_user(erin_editor).patch(
        "/api/tags/disputed/", {"description": "Contested."}, format="json"
    )
    assert response.status_code == 200
    tag = Tag.objects.get(slug="disputed")
    assert (tag.label, tag.description) == ("Disputed", "Contested.")


# Optimistic concurrency


def test_stale_version_is_refused_and_changes_nothing(as_user, alice_journalist, world):
    client = as_user(alice_journalist)
    draft = world["draft"]
    read = client.get(f"/api/annotations/{draft.pk}/")
    assert read["ETag"] == f'"v{draft.version}"'
    version = read.json()["version"]
    assert (
        client.patch(
            f"/api/annotations/{draft.pk}/",
            {"confidence": 0.5, "version": version},
            format="json",
        ).status_code
        == 200
    )
    entries = Entry.objects.count()

    response = client.patch(
        f"/api/annotations/{draft.pk}/",
        {"confidence": 0.1, "rationale": "Overwritten", "version": version},
        format="json",
    )

    assert response.status_code == 412
    assert response.json()["current_version"] == version + 1
    assert "someone else changed it" in response.json()["detail"]
    draft.refresh_from_db()
    assert (str(draft.confidence), draft.version) == ("0.500", version + 1)
    assert draft.rationale != "Overwritten"
    assert Entry.objects.count() == entries


def test_stale_if_match_is_refused_and_current_one_accepted(as_user, alice_journalist, world):
    client = as_user(alice_journalist)
    draft = world["draft"]
    etag = client.get(f"/api/annotations/{draft.pk}/")["ETag"]
    client.patch(
        f"/api/annotations/{draft.pk}/", {"confidence": 0.5}, format="json", HTTP_IF_MATCH=etag
    )

    stale = client.patch(
        f"/api/annotations/{draft.pk}/", {"confidence": 0.1}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    draft.refresh_from_db()
    assert str(draft.confidence) == "0.500"

    fresh_etag = client.get(f"/api/annotations/{draft.pk}/")["ETag"]
    fresh = client.patch(
        f"/api/annotations/{draft.pk}/",
        {"confidence": 0.1},
        format="json",
        HTTP_IF_MATCH=fresh_etag,
    )
    assert fresh.status_code == 200
    assert fresh["ETag"] == f'"v{draft.version + 1}"'


def test_stale_version_on_a_review_action_is_refused(as_user, erin_editor, world):
    submitted = world["submitted"]
    response = as_user(erin_editor).post(
        f"/api/annotations/{submitted.pk}/publish/",
        {},
        format="json",
        HTTP_IF_MATCH='"v999"',
    )
    assert response.status_code == 412
    submitted.refresh_from_db()
    assert submitted.status == Annotation.Status.SUBMITTED


def test_an_action_on_one_annotation_ignores_the_lists_filters(as_user, erin_editor, world):
    """A `?status=draft` left in the address chooses nothing: the action names its
    annotation by id (the list's filters would have hidden the submitted one, a 404)."""
    submitted = world["submitted"]
    response = as_user(erin_editor).post(
        f"/api/annotations/{submitted.pk}/publish/?status=draft",
        {"version": submitted.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    submitted.refresh_from_db()
    assert submitted.status == Annotation.Status.PUBLISHED


# Sessions and CSRF


def test_session_writes_need_the_csrf_token(alice_journalist, world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice_journalist)
    url = f"/api/claims/{world['claim'].pk}/"
    refused = client.patch(url, {"claimant": "Bishkek"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    client.get("/accounts/login/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.patch(url, {"claimant": "Bishkek"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert Claim.objects.get(pk=world["claim"].pk).claimant == "Bishkek"


def test_soft_deleted_claim_leaves_the_api(as_user, erin_editor, world, api):
    factories.AnnotationFactory(
        claim=world["claim"],
        author=erin_editor,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    assert api.get(f"/api/claims/{world['claim'].pk}/").status_code == 200
    url = f"/api/claims/{world['claim'].pk}/"
    assert as_user(erin_editor).delete(url).status_code == 400  # a reason is needed
    response = as_user(erin_editor).delete(url, {"reason": "Duplicate of another"}, format="json")
    assert response.status_code == 204
    # It was public: gone, with the reason (a claim never public would be a 404).
    gone = api.get(f"/api/claims/{world['claim'].pk}/")
    assert gone.status_code == 410
    assert gone.json()["withdrawn"]["reason"] == "Duplicate of another"
    assert Claim.objects.filter(pk=world["claim"].pk).exists()


def test_evidence_document_is_uploaded_as_multipart(
    as_user, alice_journalist, world, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    response = as_user(alice_journalist).post(
        "/api/evidence/",
        {
            "annotation": world["draft"].pk,
            "stance": "contradicts",
            "document": SimpleUploadedFile("statement.pdf", b"%PDF-1.4 statement"),
            "note": "The ministry's statement.",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["url"], body["capture"]) == ("document", "", None)
    assert body["document"].startswith("/media/evidence/") and body["document"].endswith(".pdf")
    evidence = Evidence.objects.get(pk=body["id"])
    assert evidence.document.read() == b"%PDF-1.4 statement"


def test_evidence_needs_exactly_one_of_url_capture_document(as_user, alice_journalist, world):
    response = as_user(alice_journalist).post(
        "/api/evidence/",
        {
            "annotation": world["draft"].pk,
            "stance": "supports",
            "url": "https://example.org/a",
            "capture": world["capture"].pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "got url, capture" in response.json()["detail"]
