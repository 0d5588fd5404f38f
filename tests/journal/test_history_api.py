"""History, revert and retraction through the API, for each kind of reader."""

import pytest

from annotations import services
from journal.models import Entry
from tests.factories import CLAIM_SENTENCE, CaptureFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(alice_journalist, erin_editor):
    """Alice drafts (v1), edits (v2), submits (v3); Erin publishes (v4)."""
    TagFactory(slug="disputed")
    TagFactory(slug="no-source")
    capture = CaptureFactory()
    start = capture.text.index(CLAIM_SENTENCE)
    appearance, _ = services.mark_claim(
        user=alice_journalist,
        capture=capture,
        start=start,
        end=start + len(CLAIM_SENTENCE),
        quote=CLAIM_SENTENCE,
    )
    annotation = services.create_annotation(
        user=alice_journalist,
        claim=appearance.claim,
        confidence=0.6,
        tags=["disputed"],
        rationale="Draft thinking.",
    )
    services.update_annotation(
        user=alice_journalist,
        annotation=annotation,
        confidence=0.7,
        tags=["no-source"],
        rationale="Final wording.",
        expected_version=annotation.version,
    )
    services.submit_annotation(
        user=alice_journalist, annotation=annotation, expected_version=annotation.version
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    return annotation


def events(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_editor_reads_every_version_oldest_first_with_api_types(as_user, erin_editor, story):
    history = events(as_user(erin_editor).get(f"/api/annotations/{story.pk}/history/"))
    assert [(e["action"], e["version"], e["actor"]) for e in history] == [
        ("created", 1, "alice_journalist"),
        ("edited", 2, "alice_journalist"),
        ("submitted", 3, "alice_journalist"),
        ("published", 4, "erin_editor"),
    ]
    assert history[1]["changes"] == [
        {"field": "confidence", "from": 0.6, "to": 0.7},
        {"field": "tags", "from": ["disputed"], "to": ["no-source"]},
        {"field": "rationale", "from": "Draft thinking.", "to": "Final wording."},
    ]
    assert set(history[0]) == {
        "at",
        "kind",
        "id",
        "action",
        "actor",
        "version",
        "from_version",
        "reason",
        "changes",
        "request_id",
    }


def test_anonymous_reader_sees_nothing_of_the_drafts(api, story):
    history = events(api.get(f"/api/annotations/{story.pk}/history/"))
    assert [e["action"] for e in history] == ["published"]
    assert "Draft thinking." not in str(history)
    claim_history = events(api.get(f"/api/claims/{story.claim_id}/history/"))
    assert "Draft thinking." not in str(claim_history)
    assert [e["action"] for e in claim_history] == ["published"]


def test_author_reads_her_own_drafts_history(as_user, alice_journalist, story):
    history = events(as_user(alice_journalist).get(f"/api/annotations/{story.pk}/history/"))
    assert len(history) == 4


def test_claim_history_gathers_claim_appearance_and_annotation_events(as_user, erin_editor, story):
    history = events(as_user(erin_editor).get(f"/api/claims/{story.claim_id}/history/"))
    assert [(e["kind"], e["action"]) for e in history][:3] == [
        ("claim", "created"),
        ("appearance", "created"),
        ("annotation", "created"),
    ]


def test_history_is_cursor_paginated(as_user, erin_editor, story):
    client = as_user(erin_editor)
    first = client.get(f"/api/annotations/{story.pk}/history/?page_size=3").json()
    second = client.get(first["next"]).json()
    assert [e["version"] for e in first["results"] + second["results"]] == [1, 2, 3, 4]


@pytest.mark.parametrize("events_count", [1, 30])
def test_history_costs_the_same_queries_at_any_length(
    as_user, erin_editor, story, events_count, django_assert_num_queries
):
    for n in range(events_count):
        services.update_claim(user=erin_editor, claim=story.claim, text=f"Wording {n}", reason="x")
    client = as_user(erin_editor)
    # session, user, the user's role groups, the claim, one page of entries
    with django_assert_num_queries(5):
        client.get(f"/api/claims/{story.claim_id}/history/?page_size=100")


@pytest.mark.parametrize("events_count", [1, 30])
def test_an_anonymous_history_costs_two_queries_at_any_length(
    api, erin_editor, story, events_count, django_assert_num_queries
):
    for n in range(events_count):
        services.update_claim(user=erin_editor, claim=story.claim, text=f"Wording {n}", reason="x")
    # whether the published read model holds the claim; one page of entries
    with django_assert_num_queries(2):
        body = api.get(f"/api/claims/{story.claim_id}/history/?page_size=100").json()
    assert len(body["results"]) > events_count


def test_source_history_shows_its_changes(as_user, adam_admin, api):
    client = as_user(adam_admin)
    assert client.post("/api/sources/", {"name": "Le Temps", "slug": "le-temps"}).status_code == 201
    assert client.patch("/api/sources/le-temps/", {"country": "CH"}).status_code == 200
    history = events(api.get("/api/sources/le-temps/history/"))
    assert [e["action"] for e in history] == ["created", "edited"]
    assert history[1]["changes"] == [{"field": "country", "from": "", "to": "CH"}]
    assert history[1]["actor"] == "adam_admin"
    SourceFactory()  # another source's history is its own


def test_revert_restores_an_earlier_version_as_a_new_one(
    as_user, alice_journalist, erin_editor, story
):
    services.return_annotation(
        user=erin_editor, annotation=story, comment="Go back", expected_version=story.version
    )
    client = as_user(alice_journalist)
    story.refresh_from_db()
    stale = client.post(
        f"/api/annotations/{story.pk}/revert/", {"version": 1}, HTTP_IF_MATCH='"v1"'
    )
    assert stale.status_code == 412
    response = client.post(
        f"/api/annotations/{story.pk}/revert/",
        {"version": 1},
        format="json",
        HTTP_IF_MATCH=f'"v{story.version}"',
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["confidence"], [t["slug"] for t in body["tags"]], body["rationale"]) == (
        0.6,
        ["disputed"],
        "Draft thinking.",
    )
    assert body["version"] == story.version + 1
    entry = Entry.objects.about("annotation", story.pk).last()
    assert (entry.action, entry.from_version) == ("reverted", 1)


def test_revert_is_refused_to_who_may_not_edit_and_for_unknown_versions(
    as_user, bob_journalist, alice_journalist, erin_editor, story
):
    services.return_annotation(
        user=erin_editor, annotation=story, comment="Go back", expected_version=story.version
    )
    url = f"/api/annotations/{story.pk}/revert/"
    assert as_user(erin_editor).post(url, {"version": 1}).status_code == 403
    assert as_user(alice_journalist).post(url, {"version": 99}).status_code == 400
    assert as_user(alice_journalist).post(url, {"version": "x"}).status_code == 400


def test_retraction_hides_the_claim_from_readers_and_keeps_its_history(
    as_user, api, erin_editor, alice_journalist, story
):
    claim_url = f"/api/claims/{story.claim_id}/"
    assert api.get(claim_url).status_code == 200
    assert (
        as_user(alice_journalist)
        .post(f"/api/annotations/{story.pk}/retract/", {"reason": "x"})
        .status_code
        == 403
    )
    editor = as_user(erin_editor)
    assert editor.post(f"/api/annotations/{story.pk}/retract/", {}).status_code == 400
    response = editor.post(
        f"/api/annotations/{story.pk}/retract/",
        {"reason": "The figures were wrong.", "version": story.version},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "retracted"
    assert response.json()["review_comment"] == "The figures were wrong."
    gone = api.get(claim_url)
    assert gone.status_code == 410
    assert gone.json()["withdrawn"]["reason"] == "The figures were wrong."
    assert story.claim_id not in [c["id"] for c in api.get("/api/claims/").json()["results"]]
    assert b"".join(api.get("/api/claims/export.jsonl").streaming_content) == b""
    assert api.get(f"/api/annotations/{story.pk}/w3c/").status_code == 404
    history = events(editor.get(f"/api/annotations/{story.pk}/history/"))
    assert history[-1]["action"] == "retracted"
    assert history[-1]["reason"] == "The figures were wrong."
    again = editor.post(
        f"/api/annotations/{story.pk}/retract/", {"reason": "Twice", "version": story.version + 1}
    )
    assert again.status_code == 403


def test_retraction_is_stated_on_the_claim_page(client, erin_editor, story):
    services.retract_annotation(
        user=erin_editor, annotation=story, reason="Wrong figures.", expected_version=story.version
    )
    client.force_login(erin_editor)
    page = client.get(f"/claims/{story.claim_id}/").content.decode()
    assert "retracted: Wrong figures." in page
