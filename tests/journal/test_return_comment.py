"""An editor's comment on returning a published annotation is for its author (and editors):
everyone else — anonymous readers, read-only tokens, an unrelated journalist, a blind
assignee — reads that the publication was returned (unpublished), never the words, on every
path that shows the journal: the API's histories, the claim page's History, the corrections
log and its Atom feed, and the change feed (issue #22)."""

import pytest

from annotations import services, visibility
from annotations.services import assignments
from journal.models import Entry
from tests import factories

pytestmark = pytest.mark.django_db

# One word each, so that a word diff of the comment still shows it whole.
COMMENT = "Qx7deskonlyz"
LEFT_COMMENT = "Qx8deskonlyz"


def _step(service, user, annotation, **more):
    annotation.refresh_from_db()
    return service(user=user, annotation=annotation, expected_version=annotation.version, **more)


def _published(author, editor):
    claim = factories.mark_sentence(author, factories.CaptureFactory())
    annotation = services.create_annotation(
        user=author, claim=claim, confidence="0.5", rationale="Public rationale.", submit=True
    )
    _step(services.publish_annotation, editor, annotation)
    annotation.refresh_from_db()
    return claim, annotation


@pytest.fixture
def returned(alice_journalist, erin_editor):
    """Alice's published assessment returned with an internal comment, resubmitted and
    published again; another of hers returned and left so (its claim unpublished); Jill
    assigned the first claim blind."""
    claim, annotation = _published(alice_journalist, erin_editor)
    _step(services.return_annotation, erin_editor, annotation, comment=f"{COMMENT} fix it.")
    _step(services.submit_annotation, alice_journalist, annotation)
    _step(services.publish_annotation, erin_editor, annotation)
    left, left_annotation = _published(alice_journalist, erin_editor)
    _step(services.return_annotation, erin_editor, left_annotation, comment=LEFT_COMMENT)
    jill = factories.journalist("jill_journalist")
    assignments.assign_claims(
        user=erin_editor, claims=[claim], assignees=[jill], blind=True, show_published=False
    )
    return {"claim": claim, "annotation": annotation, "left": left, "jill": jill}


@pytest.fixture
def others(returned, api, token_client, as_user, rita_reader, bob_journalist):
    return {
        "anonymous": api,
        "read-only token": token_client(rita_reader, read_only=True),
        "unrelated journalist": as_user(bob_journalist),
        "blind assignee": as_user(returned["jill"]),
    }


@pytest.fixture
def entitled(returned, as_user, alice_journalist, erin_editor, adam_admin):
    return {
        "author": as_user(alice_journalist),
        "editor": as_user(erin_editor),
        "admin": as_user(adam_admin),
    }


def _body(client, path, expected=200) -> str:
    response = client.get(path)
    assert response.status_code == expected, (path, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_the_journal_keeps_the_comment_in_public_entries(returned):
    """What is to be hidden: the return and the republication are public entries carrying
    the comment (so a filter on `public` alone cannot hide it)."""
    entries = Entry.objects.filter(claim_id=returned["claim"].pk, kind="annotation")
    back = entries.get(action="returned")
    assert back.public and COMMENT in back.reason
    assert any(COMMENT in str(c["from"]) for c in entries.filter(action="published").last().changes)


def test_others_read_no_return_comment_on_any_path(returned, others):
    claim, annotation = returned["claim"], returned["annotation"]
    for who, client in others.items():
        blind = who == "blind assignee"
        paths = {
            f"/api/claims/{claim.pk}/history/": 200,
            f"/api/annotations/{annotation.pk}/history/": 404 if blind else 200,
            f"/claims/{claim.pk}/": 200,
            f"/api/claims/{returned['left'].pk}/history/": 404,
            "/corrections/": 200,
            "/corrections.atom": 200,
            "/api/changes/?page_size=1000": 200,
        }
        for path, expected in paths.items():
            body = _body(client, path, expected)
            assert COMMENT not in body and LEFT_COMMENT not in body, (who, path)


def test_others_read_that_it_was_returned_without_the_words(returned, others):
    claim = returned["claim"]
    for who in ("anonymous", "read-only token", "unrelated journalist"):
        events = others[who].get(f"/api/claims/{claim.pk}/history/").json()["results"]
        back = [e for e in events if e["action"] == "returned"]
        assert len(back) == 1, who
        assert back[0]["reason"] == "", who
        assert {"field": "status", "from": "published", "to": "returned"} in back[0]["changes"]
        for event in events:
            assert "review_comment" not in {c["field"] for c in event["changes"]}, (who, event)


def test_the_author_and_editors_still_read_the_comment(returned, entitled):
    claim, annotation = returned["claim"], returned["annotation"]
    for who, client in entitled.items():
        for path in (
            f"/api/claims/{claim.pk}/history/",
            f"/api/annotations/{annotation.pk}/history/",
            f"/claims/{claim.pk}/",
        ):
            assert COMMENT in _body(client, path), (who, path)
        body = _body(client, f"/api/claims/{returned['left'].pk}/history/")
        assert LEFT_COMMENT in body, who
        events = client.get(f"/api/claims/{claim.pk}/history/").json()["results"]
        (back,) = [e for e in events if e["action"] == "returned"]
        assert back["reason"] == f"{COMMENT} fix it."


def test_the_change_feed_states_the_left_claim_unpublished_without_the_comment(returned, others):
    for who in ("anonymous", "read-only token"):
        results = others[who].get("/api/changes/?page_size=1000").json()["results"]
        (tombstone,) = [r for r in results if r["id"] == returned["left"].pk]
        assert tombstone["withdrawn"]["as"] == "unpublished", who
        assert tombstone["withdrawn"]["reason"] == "", who


def test_the_policy_states_a_retraction_reason_in_public_and_withholds_a_return_comment(
    anon, alice_journalist, bob_journalist, erin_editor
):
    back = {
        "kind": "annotation",
        "action": "returned",
        "reason": "Internal",
        "owner_id": alice_journalist.pk,
        "changes": [{"field": "review_comment", "from": "", "to": "Internal"}],
    }
    for reader in (anon, bob_journalist):
        assert visibility.event_as_read(back, reader) | {"owner_id": None} == {
            **back,
            "reason": "",
            "changes": [],
            "owner_id": None,
        }
    for reader in (alice_journalist, erin_editor):
        assert visibility.event_as_read(back, reader) == back
    retraction = {
        **back,
        "action": "retracted",
        "reason": "Misread",
        "changes": [{"field": "review_comment", "from": "Internal", "to": "Misread"}],
    }
    assert visibility.event_as_read(retraction, anon)["changes"] == [
        {"field": "review_comment", "from": "", "to": "Misread"}
    ]
    assert visibility.event_as_read(retraction, anon)["reason"] == "Misread"
