"""Marking claims, annotating them and reviewing them through the pages: every action checks
role, ownership and status on the server."""

import re

import pytest
from django.test import Client

from annotations import services
from annotations.models import Annotation, Appearance, Claim, Evidence
from tests.factories import CLAIM_SENTENCE, CaptureFactory, TagFactory

pytestmark = pytest.mark.django_db

EMOJI_TEXT = "Le 🚀 décolle. « L’armée dément », dit 😀 l’agence.\n\nFin."


@pytest.fixture
def span(capture):
    start = capture.text.index(CLAIM_SENTENCE)
    return {"capture": capture.pk, "start": start, "end": start + len(CLAIM_SENTENCE)}


def mark_url(capture):
    return f"/articles/{capture.article_id}/mark/"


def test_mark_page_shows_the_selected_quote_in_context(client, alice_journalist, capture, span):
    client.force_login(alice_journalist)
    response = client.get(mark_url(capture), {**span, "selected": CLAIM_SENTENCE})
    assert response.status_code == 200
    assert f'<mark class="hl status-selected">{CLAIM_SENTENCE}</mark>' in response.text


def test_mark_page_counts_code_points_beyond_the_bmp(client, alice_journalist):
    capture = CaptureFactory(text=EMOJI_TEXT)
    quote = "« L’armée dément »"
    start = EMOJI_TEXT.index(quote)
    assert start != EMOJI_TEXT.encode("utf-16-le").find(quote.encode("utf-16-le")) // 2
    client.force_login(alice_journalist)
    response = client.post(
        mark_url(capture),
        {
            "capture": capture.pk,
            "start": start,
            "end": start + len(quote),
            "quote": quote,
            "claim": "new",
            "language": "fr",
        },
    )
    assert response.status_code == 302
    appearance = Appearance.objects.get()
    assert (appearance.start, appearance.end, appearance.quote) == (
        start,
        start + len(quote),
        quote,
    )
    assert appearance.prefix.endswith("décolle. ")


def test_mark_page_refuses_a_selection_that_does_not_match_the_offsets(
    client, alice_journalist, capture, span
):
    client.force_login(alice_journalist)
    response = client.get(mark_url(capture), {**span, "selected": "Juste un jour"})
    assert response.status_code == 400
    assert "does not match the archived text" in response.text
    response = client.get(mark_url(capture), {**span, "end": 10_000})
    assert response.status_code == 400
    assert "is outside the article&#x27;s text" in response.text


def test_marking_creates_the_claim_and_goes_on_to_annotate(client, alice_journalist, capture, span):
    client.force_login(alice_journalist)
    response = client.post(
        mark_url(capture),
        {**span, "quote": CLAIM_SENTENCE, "claim": "new", "language": "fr", "claimant": ""},
    )
    claim = Claim.objects.get()
    assert response.url == f"/claims/{claim.pk}/annotate/"
    assert (claim.text, claim.language, claim.created_by) == (
        CLAIM_SENTENCE,
        "fr",
        alice_journalist,
    )


def test_marking_refuses_a_quote_that_is_not_the_text_at_the_offsets(
    client, alice_journalist, capture, span
):
    client.force_login(alice_journalist)
    response = client.post(
        mark_url(capture), {**span, "quote": "Autre chose.", "claim": "new", "language": "fr"}
    )
    assert response.status_code == 200
    assert "not the passage shown" in response.text
    assert not Claim.objects.exists()


def claim_elsewhere(user, span) -> Claim:
    """A new claim of CLAIM_SENTENCE, marked by `user` in another article."""
    return services.mark_claim(
        user=user,
        capture=CaptureFactory(),
        start=span["start"],
        end=span["end"],
        quote=CLAIM_SENTENCE,
    )[0].claim


def test_marking_offers_similar_claims_and_attaches_to_the_chosen_one(
    client, alice_journalist, bob_journalist, erin_editor, capture, span
):
    existing = claim_elsewhere(bob_journalist, span)
    annotation = services.create_annotation(
        user=bob_journalist, claim=existing, confidence="0.5", submit=True
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    # An unrelated claim, and Bob's claim of the same sentence without a published annotation
    # (so hidden from Alice): neither is offered.
    services.mark_claim(user=alice_journalist, capture=capture, start=0, end=9, quote="Cependant")
    claim_elsewhere(bob_journalist, span)
    client.force_login(alice_journalist)
    html = client.get(mark_url(capture), span).text
    offered = set(re.findall(r'name="claim" value="(\w+)"', html))
    assert offered == {"new", str(existing.pk)}
    response = client.post(
        mark_url(capture), {**span, "quote": CLAIM_SENTENCE, "claim": existing.pk, "language": "fr"}
    )
    assert response.status_code == 302
    assert Claim.objects.count() == 3
    assert existing.appearances.filter(capture=capture).count() == 1
    # Marking the same place again does not duplicate it.
    client.post(
        mark_url(capture), {**span, "quote": CLAIM_SENTENCE, "claim": existing.pk, "language": "fr"}
    )
    assert existing.appearances.filter(capture=capture).count() == 1


def test_marking_refuses_a_claim_the_user_may_not_see(
    client, alice_journalist, bob_journalist, capture, span
):
    hidden = claim_elsewhere(bob_journalist, span)
    client.force_login(alice_journalist)
    response = client.post(
        mark_url(capture), {**span, "quote": CLAIM_SENTENCE, "claim": hidden.pk, "language": "fr"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not hidden.appearances.filter(capture=capture).exists()


def test_passage_can_be_marked_by_typing_it(client, alice_journalist, capture):
    client.force_login(alice_journalist)
    response = client.get(mark_url(capture), {"capture": capture.pk, "find": CLAIM_SENTENCE})
    assert response.status_code == 200
    start = capture.text.index(CLAIM_SENTENCE)
    assert f'name="start" value="{start}"' in response.text
    response = client.get(mark_url(capture), {"capture": capture.pk, "find": "exercices"})
    assert response.status_code == 400
    assert "occurs 2 times" in response.text
    response = client.get(mark_url(capture), {"capture": capture.pk, "find": "l'annulation"})
    assert "not in the article" in response.text


def test_marking_needs_a_journalist(client, rita_reader, capture, span):
    assert client.get(mark_url(capture), span).url.startswith("/accounts/login/")
    client.force_login(rita_reader)
    response = client.get(mark_url(capture), span)
    assert response.status_code == 403
    assert "Only journalists and editors mark claims." in response.text


@pytest.fixture
def claim(alice_journalist, capture, span):
    return services.mark_claim(
        user=alice_journalist,
        capture=capture,
        start=span["start"],
        end=span["end"],
        quote=CLAIM_SENTENCE,
    )[0].claim


def annotation_data(**overrides):
    data = {
        "tags": ["no-official-reason-given"],
        "confidence": "80",
        "verdict": "unverifiable",
        "rationale": "Bishkek has not explained the cancellation.",
        "evidence-url": "https://www.example.org/statement",
        "evidence-stance": "supports",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_annotating_stores_tags_confidence_evidence_and_submits(client, alice_journalist, claim):
    TagFactory(slug="no-official-reason-given", label="No official reason given")
    client.force_login(alice_journalist)
    response = client.post(f"/claims/{claim.pk}/annotate/", annotation_data())
    annotation = Annotation.objects.get()
    assert response.url == f"/claims/{claim.pk}/#annotation-{annotation.pk}"
    assert annotation.status == "submitted"
    assert str(annotation.confidence) == "0.800"
    assert [t.slug for t in annotation.tags.all()] == ["no-official-reason-given"]
    assert annotation.evidence.get().url == "https://www.example.org/statement"
    assert client.get(f"/claims/{claim.pk}/annotate/").url == response.url


def test_annotation_with_bad_evidence_changes_nothing(client, alice_journalist, claim):
    client.force_login(alice_journalist)
    response = client.post(
        f"/claims/{claim.pk}/annotate/",
        annotation_data(tags=[], **{"evidence-article": "999999"}),
    )
    assert response.status_code == 200
    assert "No archived article is “999999”." in response.text
    assert not Annotation.objects.exists()


def test_evidence_can_quote_an_archived_article(client, alice_journalist, claim, capture):
    client.force_login(alice_journalist)
    client.post(
        f"/claims/{claim.pk}/annotate/",
        annotation_data(tags=[], action="draft", **{"evidence-url": ""}),
    )
    annotation = Annotation.objects.get()
    response = client.post(
        f"/annotations/{annotation.pk}/evidence/",
        {"article": f"/articles/{capture.article_id}/", "quote": "Kazakhstan", "stance": "context"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.capture, evidence.quote) == ("capture", capture, "Kazakhstan")
    response = client.post(
        f"/annotations/{annotation.pk}/evidence/",
        {"article": str(capture.article_id), "quote": "Ouzbékistan", "stance": "context"},
    )
    assert "is not in the text of capture" in response.text
    assert Evidence.objects.count() == 1


def test_stale_edit_shows_a_conflict_and_changes_nothing(client, alice_journalist, claim):
    annotation = services.create_annotation(user=alice_journalist, claim=claim, confidence="0.5")
    client.force_login(alice_journalist)
    form = client.get(f"/annotations/{annotation.pk}/edit/").text
    assert 'name="version" value="1"' in form
    services.update_annotation(
        user=alice_journalist,
        annotation=annotation,
        rationale="Other tab",
        expected_version=annotation.version,
    )
    response = client.post(
        f"/annotations/{annotation.pk}/edit/",
        annotation_data(tags=[], version="1", action="draft", **{"evidence-url": ""}),
    )
    assert response.status_code == 200
    assert "was changed elsewhere after you opened it" in response.text
    assert 'name="version" value="2"' in response.text
    annotation.refresh_from_db()
    assert (annotation.rationale, annotation.confidence, annotation.version) == (
        "Other tab",
        annotation.confidence,
        2,
    )
    response = client.post(
        f"/annotations/{annotation.pk}/edit/",
        annotation_data(tags=[], version="2", action="draft", **{"evidence-url": ""}),
    )
    assert response.status_code == 302
    annotation.refresh_from_db()
    assert annotation.rationale == "Bishkek has not explained the cancellation."


def test_others_cannot_edit_or_submit_an_annotation(client, alice_journalist, erin_editor, claim):
    annotation = services.create_annotation(user=alice_journalist, claim=claim, confidence="0.5")
    client.force_login(erin_editor)
    assert client.get(f"/annotations/{annotation.pk}/edit/").status_code == 403
    assert client.post(f"/annotations/{annotation.pk}/submit/").status_code == 403
    annotation.refresh_from_db()
    assert annotation.status == "draft"


def test_review_publish_and_return_follow_the_rules(
    client, alice_journalist, erin_editor, fred_editor, claim
):
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence="0.5", submit=True
    )
    client.force_login(alice_journalist)
    assert client.post(f"/annotations/{annotation.pk}/publish/").status_code == 403
    assert client.get("/review/").status_code == 403

    client.force_login(erin_editor)
    html = client.get("/review/").text
    assert CLAIM_SENTENCE in html and "Publish" in html
    response = client.post(
        f"/annotations/{annotation.pk}/return/", {"comment": "  ", "version": annotation.version}
    )
    assert response.status_code == 302
    assert "Say what the author should change." in client.get(response.url).text
    annotation.refresh_from_db()
    assert annotation.status == "submitted"
    client.post(
        f"/annotations/{annotation.pk}/return/",
        {"comment": "Cite the ministry <b>now</b>.", "version": annotation.version},
    )
    annotation.refresh_from_db()
    assert (annotation.status, annotation.reviewed_by) == ("returned", erin_editor)

    client.force_login(alice_journalist)
    home = client.get("/").text
    assert "Cite the ministry &lt;b&gt;now&lt;/b&gt;." in home
    assert "Cite the ministry &lt;b&gt;now&lt;/b&gt;." in client.get(f"/claims/{claim.pk}/").text
    client.post(f"/annotations/{annotation.pk}/submit/", {"version": annotation.version})
    annotation.refresh_from_db()
    assert annotation.status == "submitted"

    client.force_login(fred_editor)
    client.post(f"/annotations/{annotation.pk}/publish/", {"version": annotation.version})
    annotation.refresh_from_db()
    assert annotation.status == "published"
    assert list(Claim.objects.visible_to(Client().get("/").wsgi_request.user)) == [claim]


def test_editor_cannot_publish_own_annotation_and_does_not_see_it_in_the_queue(
    client, erin_editor, claim
):
    annotation = services.create_annotation(
        user=erin_editor, claim=claim, confidence="0.5", submit=True
    )
    client.force_login(erin_editor)
    assert f'id="annotation-{annotation.pk}"' not in client.get("/review/").text
    assert client.post(f"/annotations/{annotation.pk}/publish/").status_code == 403


def test_stale_publish_reports_the_conflict(client, alice_journalist, erin_editor, claim):
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence="0.5", submit=True
    )
    client.force_login(erin_editor)
    response = client.post(f"/annotations/{annotation.pk}/publish/", {"version": "1"}, follow=True)
    assert "was changed elsewhere" in response.text
    annotation.refresh_from_db()
    assert annotation.status == "submitted"


@pytest.mark.parametrize("rows", [1, 4])
def test_review_queue_queries_do_not_grow_with_rows(
    client, erin_editor, alice_journalist, django_assert_num_queries, rows
):
    for _ in range(rows):
        capture = CaptureFactory()
        start = capture.text.index(CLAIM_SENTENCE)
        claim = services.mark_claim(
            user=alice_journalist,
            capture=capture,
            start=start,
            end=start + len(CLAIM_SENTENCE),
            quote=CLAIM_SENTENCE,
        )[0].claim
        annotation = services.create_annotation(
            user=alice_journalist, claim=claim, confidence="0.5", tags=[TagFactory()]
        )
        services.add_evidence(
            user=alice_journalist, annotation=annotation, stance="supports", url="https://a.org/"
        )
        services.submit_annotation(
            user=alice_journalist, annotation=annotation, expected_version=annotation.version
        )
    client.force_login(erin_editor)
    # session, user, the editor's groups, count, annotations with claim and author, tags,
    # evidence, appearances with capture and article, the journal's count of their edits, and
    # the navigation's counts of what waits and of unread notifications.
    with django_assert_num_queries(11):
        client.get("/review/")


def test_forms_refuse_posts_without_the_csrf_token(alice_journalist, capture, span):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice_journalist)
    response = client.post(
        mark_url(capture), {**span, "quote": CLAIM_SENTENCE, "claim": "new", "language": "fr"}
    )
    assert response.status_code == 403
    assert not Claim.objects.exists()
