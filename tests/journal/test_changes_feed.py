"""The change feed: upserts and tombstones per reader, cursors, 410 and the bulk form."""

import json

import pytest

from annotations import services
from publication import feed
from tests.factories import CaptureFactory, TagFactory

pytestmark = pytest.mark.django_db


def mark(user, capture, quote):
    start = capture.text.index(quote)
    appearance, _ = services.mark_claim(
        user=user, capture=capture, start=start, end=start + len(quote), quote=quote
    )
    return appearance.claim


@pytest.fixture
def capture():
    return CaptureFactory()


def publish(claim, author, editor, **fields):
    annotation = services.create_annotation(
        user=author, claim=claim, confidence=0.5, submit=True, **fields
    )
    return services.publish_annotation(
        user=editor, annotation=annotation, expected_version=annotation.version
    )


def read_all(client, since=None, page_size=100):
    """Follow the feed to its end: the pages' results, and the last next_since."""
    results = []
    while True:
        query = f"?page_size={page_size}" + (f"&since={since}" if since else "")
        body = client.get(f"/api/changes/{query}").json()
        results += body["results"]
        since = body["next_since"]
        if not body["has_more"]:
            return results, since


def test_a_published_claim_reaches_readers_exactly_as_the_claim_api_shows_it(
    api, capture, alice_journalist, erin_editor
):
    claim = mark(alice_journalist, capture, capture.text.split(".")[0])
    publish(claim, alice_journalist, erin_editor)
    results, _ = read_all(api)
    assert [(r["kind"], r["id"], r["action"]) for r in results] == [("claim", claim.pk, "upsert")]
    assert results[0]["claim"] == api.get(f"/api/claims/{claim.pk}/").json()
    assert results[0]["at"].endswith("Z")


def test_a_draft_only_claim_never_reaches_a_reader_not_even_as_a_tombstone(
    api, as_user, capture, alice_journalist, bob_journalist, erin_editor
):
    claim = mark(alice_journalist, capture, capture.text.split(".")[0])
    services.create_annotation(user=alice_journalist, claim=claim, confidence=0.5)
    services.delete_claim(user=alice_journalist, claim=claim)
    assert read_all(api)[0] == []
    assert read_all(as_user(bob_journalist))[0] == []
    mine = read_all(as_user(alice_journalist))[0]
    assert [(r["action"], r["withdrawn"]) for r in mine] == [("delete", None)]  # never public
    assert [r["action"] for r in read_all(as_user(erin_editor))[0]] == ["delete"]


def test_retraction_deletes_for_readers_and_updates_for_editors(
    api, as_user, capture, alice_journalist, erin_editor
):
    claim = mark(alice_journalist, capture, capture.text.split(".")[0])
    annotation = publish(claim, alice_journalist, erin_editor)
    _, since = read_all(api)
    _, editor_since = read_all(as_user(erin_editor))
    services.retract_annotation(
        user=erin_editor,
        annotation=annotation,
        reason="Wrong.",
        expected_version=annotation.version,
    )
    results, _ = read_all(api, since)
    retracted = {"as": "retracted", "at": results[0]["at"], "reason": "Wrong."}
    assert results == [
        {
            "kind": "claim",
            "id": claim.pk,
            "action": "delete",
            "at": results[0]["at"],
            "claim": None,
            "withdrawn": retracted,
        }
    ]
    [change] = read_all(as_user(erin_editor), editor_since)[0]
    assert change["action"] == "upsert"
    assert change["claim"]["annotations"][0]["status"] == "retracted"


def test_each_claim_appears_once_per_page_in_its_latest_state(
    api, capture, alice_journalist, erin_editor, adam_admin
):
    claim = mark(alice_journalist, capture, capture.text.split(".")[0])
    annotation = publish(claim, alice_journalist, erin_editor)
    services.update_annotation(
        user=adam_admin,
        annotation=annotation,
        confidence=0.9,
        reason="New data.",
        expected_version=annotation.version,
    )
    results, _ = read_all(api)
    assert len(results) == 1
    assert results[0]["claim"]["annotations"][0]["confidence"] == 0.9


def test_pages_follow_one_another_without_repeats_or_gaps(
    api, capture, alice_journalist, erin_editor
):
    sentences = [s.strip() for s in capture.text.split(".") if len(s.strip()) > 10][:3]
    claims = [mark(alice_journalist, capture, s) for s in sentences]
    for claim in claims:
        publish(claim, alice_journalist, erin_editor)
    first = api.get("/api/changes/?page_size=2").json()
    assert first["has_more"] is True
    results, _ = read_all(api, page_size=2)
    assert {r["id"] for r in results} == {c.pk for c in claims}


def tagged_and_read(api, capture, author, editor):
    """A published claim tagged "disputed", the tag, and the cursor after it."""
    tag = TagFactory(slug="disputed", label="Disputed")
    claim = mark(author, capture, capture.text.split(".")[0])
    publish(claim, author, editor, tags=["disputed"])
    return tag, read_all(api)[1]


def test_a_tag_relabelled_changes_the_claims_it_is_on(api, capture, alice_journalist, erin_editor):
    tag, since = tagged_and_read(api, capture, alice_journalist, erin_editor)
    services.save_tag(user=erin_editor, tag=tag, slug="disputed", label="Contested")
    [change] = read_all(api, since)[0]
    assert change["claim"]["annotations"][0]["tags"] == [
        {"slug": "disputed", "label": "Contested", "labels": {"en": "Contested"}}
    ]


def test_a_tag_translated_changes_the_claims_it_is_on(api, capture, alice_journalist, erin_editor):
    tag = TagFactory(slug="disputed", label="Disputed")
    claim = mark(alice_journalist, capture, capture.text.split(".")[0])
    publish(claim, alice_journalist, erin_editor, tags=["disputed"])
    _, since = read_all(api)
    services.save_tag(
        user=erin_editor, tag=tag, slug="disputed", label="Disputed", labels={"fr": "Contesté"}
    )
    [change] = read_all(api, since)[0]
    [shown] = change["claim"]["annotations"][0]["tags"]
    assert shown["labels"] == {"en": "Disputed", "fr": "Contesté"}


def test_a_change_no_claim_shows_is_not_in_the_feed(api, capture, alice_journalist, erin_editor):
    tag, since = tagged_and_read(api, capture, alice_journalist, erin_editor)
    # A tag's patterns and description are journaled as changes of the tag; no claim shows
    # them (publication.representations.SHOWN).
    services.save_tag_pattern(user=erin_editor, tag=tag, language="fr", phrase="démenti")
    services.save_tag(
        user=erin_editor,
        tag=tag,
        slug="disputed",
        label="Disputed",
        category=tag.category,
        description="Contested.",
    )
    assert read_all(api, since)[0] == []


def test_nothing_new_keeps_the_position_and_says_no_more(api):
    body = api.get("/api/changes/").json()
    assert body["results"] == [] and body["has_more"] is False
    again = api.get(f"/api/changes/?since={body['next_since']}").json()
    assert again["results"] == []


@pytest.mark.parametrize(
    "query", ["page_size=0", "page_size=1001", "page_size=x", "since=nonsense", "since=%00"]
)
def test_bad_parameters_are_a_400(api, query):
    assert api.get(f"/api/changes/?{query}").status_code == 400


def test_a_cursor_older_than_the_retention_is_410_gone(api, settings):
    settings.CLAIMDESK_FEED_RETENTION_DAYS = 30
    old = feed.Position(0, 0, 1).encode()
    response = api.get(f"/api/changes/?since={old}")
    assert response.status_code == 410
    assert "/api/claims/" in response.json()["detail"]
    fresh = api.get("/api/changes/").json()["next_since"]
    assert api.get(f"/api/changes/?since={fresh}").status_code == 200
    settings.CLAIMDESK_FEED_RETENTION_DAYS = 0
    assert api.get(f"/api/changes/?since={old}").status_code == 410


def test_an_edited_cursor_is_refused_not_followed(
    api, settings, capture, alice_journalist, erin_editor
):
    """A cursor is the server's: a client that moves it forward, or freshens its issue time
    to dodge the 410, gets a 400 naming the cursor, not a page."""
    settings.CLAIMDESK_FEED_RETENTION_DAYS = 30
    publish(
        mark(alice_journalist, capture, capture.text.split(".")[0]), alice_journalist, erin_editor
    )
    issued = api.get("/api/changes/?page_size=1").json()["next_since"]
    position = feed.Position.decode(issued)
    signature = issued.rpartition("~")[2]
    forward = f"{position.xid}.{position.id + 1000}.{position.as_of}~{signature}"
    fresher = f"{position.xid}.{position.id}.{position.as_of + 10**6}~{signature}"
    unsigned = f"{position.xid}.{position.id}.{position.as_of}"
    old = "0.0.1~" + signature
    for cursor in (forward, fresher, unsigned, old):
        response = api.get("/api/changes/", {"since": cursor})
        assert response.status_code == 400, cursor
        assert "next_since" in response.json()["errors"]["since"][0]
    assert api.get("/api/changes/", {"since": issued}).status_code == 200


def test_a_cursor_signed_with_another_key_is_refused(api, settings):
    issued = api.get("/api/changes/").json()["next_since"]
    settings.SECRET_KEY = "another key for another server, long enough to sign with"
    assert api.get("/api/changes/", {"since": issued}).status_code == 400


def test_bulk_jsonl_streams_every_change_and_names_the_next_cursor(
    api, capture, alice_journalist, erin_editor
):
    claim = mark(alice_journalist, capture, capture.text.split(".")[0])
    publish(claim, alice_journalist, erin_editor)
    response = api.get("/api/changes.jsonl")
    assert response.status_code == 200
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert [(line["id"], line["action"]) for line in lines] == [(claim.pk, "upsert")]
    since = response["X-Next-Since"]
    assert api.get(f"/api/changes/?since={since}").json()["results"] == []


@pytest.mark.parametrize("count", [1, 6])
def test_a_page_costs_the_same_queries_at_any_size(
    api, capture, alice_journalist, erin_editor, count, django_assert_num_queries
):
    sentences = [f"Phrase numéro {n} du texte" for n in range(count)]
    capture = CaptureFactory(text=". ".join(sentences) + ".")
    for sentence in sentences:
        publish(mark(alice_journalist, capture, sentence), alice_journalist, erin_editor)
    # journal entries with their claims' stored documents (the published read model), in one
    # statement
    with django_assert_num_queries(1):
        body = api.get("/api/changes/?page_size=1000").json()
    assert len(body["results"]) == count


@pytest.mark.parametrize("count", [1, 6])
def test_an_editors_page_costs_the_same_queries_at_any_size(
    as_user, capture, alice_journalist, erin_editor, count, django_assert_num_queries
):
    sentences = [f"Phrase numéro {n} du texte" for n in range(count)]
    capture = CaptureFactory(text=". ".join(sentences) + ".")
    for sentence in sentences:
        publish(mark(alice_journalist, capture, sentence), alice_journalist, erin_editor)
    client = as_user(erin_editor)
    # session; user; groups (role); journal entries; visible claims; their appearances,
    # annotations, tags, evidence
    with django_assert_num_queries(9):
        client.get("/api/changes/?page_size=1000")
