"""The change feed as anonymous readers and read-only tokens read it: the stored documents of
the published read model, fetched with the entries in one statement (`published_page`). Its
pages must be the live path's (`live_page`, what `GET /api/claims/<id>/` shows the same
reader) to the byte, at every page boundary, and never show what the public may not see."""

import orjson
import pytest
from django.contrib.auth.models import AnonymousUser

from annotations import services
from annotations.models import Claim
from annotations.services import assignments
from archive import services as archive
from core.api.renderers import dumps
from publication import feed
from tests import factories
from tests.annotations.test_reanchoring import recapture, seed_text
from tests.factories import CLAIM_SENTENCE, CaptureFactory, TagFactory

pytestmark = pytest.mark.django_db

# Words only their intended readers may see, searched for in every page's bytes.
RETURN_COMMENT = "Qx9returncommentz"
BLIND_RATIONALE = "Qx9blinddraftz"
DRAFT_CLAIM = "Qx9draftonlyclaimz"
REWORDED = "Aucune raison officielle de l’annulation n’a été donnée par les autorités kirghizes."


def _step(service, user, annotation, **more):
    annotation.refresh_from_db()
    return service(user=user, annotation=annotation, expected_version=annotation.version, **more)


def _published(author, editor, claim, **fields):
    annotation = services.create_annotation(
        user=author, claim=claim, confidence="0.5", submit=True, **fields
    )
    _step(services.publish_annotation, editor, annotation)
    annotation.refresh_from_db()
    return annotation


@pytest.fixture
def public_world(seeded, alice_journalist, erin_editor, adam_admin):
    """Every kind of change the public record sees, interleaved: claims published, edited,
    retracted, removed, returned to their author with a comment, edited at their source,
    assigned blind (with the assignee's draft); a draft-only claim removed; a tag relabelled,
    a source renamed, an article corrected and an author renamed (each reaching the claims
    that show them); and changes to claims after those."""
    TagFactory(slug="disputed", label="Disputed")
    capture = CaptureFactory(
        text=". ".join(f"Phrase numéro {n} du texte publié" for n in range(8)) + "."
    )
    claims = [
        factories.mark_sentence(alice_journalist, capture, f"Phrase numéro {n} du texte publié")
        for n in range(8)
    ]
    published = [_published(alice_journalist, erin_editor, claim) for claim in claims[:6]]
    tagged = _published(alice_journalist, erin_editor, claims[6], tags=["disputed"])
    _step(
        services.update_annotation,
        adam_admin,
        published[0],
        confidence="0.9",
        reason="New figures.",
    )
    _step(services.retract_annotation, erin_editor, published[1], reason="Source misread.")
    services.delete_claim(user=erin_editor, claim=claims[2], reason="Duplicate.")
    _step(services.return_annotation, erin_editor, published[3], comment=RETURN_COMMENT)

    jill = factories.journalist("jill_journalist")
    assignments.assign_claims(
        user=erin_editor, claims=[claims[4]], assignees=[jill], blind=True, show_published=False
    )
    services.create_annotation(
        user=jill, claim=claims[4], confidence="0.1", rationale=BLIND_RATIONALE
    )
    draft_capture = CaptureFactory(text=f"{DRAFT_CLAIM} dans un brouillon.")
    draft = factories.mark_sentence(alice_journalist, draft_capture, DRAFT_CLAIM)
    services.create_annotation(user=alice_journalist, claim=draft, confidence="0.3")
    services.delete_claim(user=alice_journalist, claim=draft)

    # The seed claim, published, then its sentence reworded by a new capture.
    seed_claim = Claim.objects.get(appearances__quote=CLAIM_SENTENCE)
    if not seed_claim.annotations.filter(status="published").exists():
        _published(alice_journalist, erin_editor, seed_claim)
    _, body = seed_text()
    recapture(body.replace(CLAIM_SENTENCE, REWORDED))

    services.save_tag(user=erin_editor, tag=tagged.tags.get(), slug="disputed", label="Contested")
    source = capture.article.source
    archive.save_source(actor=adam_admin, source=source, name="Renamed outlet")
    archive.update_article(actor=adam_admin, article=capture.article, title="Corrected title")
    services.rename_person(
        user=adam_admin,
        person=alice_journalist,
        username="alice_renamed",
        first_name="Alice",
        last_name="Renamed",
    )
    _step(services.update_annotation, adam_admin, published[5], confidence="0.2", reason="Again.")
    services.update_claim(user=erin_editor, claim=claims[7], text="Phrase reformulée", reason="x")
    return {"claims": claims, "draft": draft, "seed": seed_claim, "jill": jill}


def walk(read_page, size):
    """Every page from the beginning: (results as the API renders them, position, has_more)."""
    pages, position = [], feed.Position()
    while True:
        page = read_page(position, size)
        position = feed.Position.decode(page.next_since)
        pages.append((dumps(page.results), (position.xid, position.id), page.has_more))
        if not page.has_more:
            return pages


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_published_pages_equal_the_live_pages_at_every_boundary(public_world, size):
    stored = walk(feed.published_page, size)
    live = walk(lambda position, n: feed.live_page(AnonymousUser(), position, n), size)
    assert stored == live
    assert len(stored) > 1 or size == 1000


def test_the_published_feed_holds_every_kind_of_public_change(public_world, api):
    results = [r for page, *_ in walk(feed.published_page, 1000) for r in _loads(page)]
    latest = {r["id"]: r for r in results}
    claims = public_world["claims"]
    assert latest[claims[0].pk]["claim"]["annotations"][0]["confidence"] == 0.9
    assert latest[claims[1].pk]["withdrawn"]["as"] == "retracted"
    assert latest[claims[1].pk]["withdrawn"]["reason"] == "Source misread."
    assert latest[claims[2].pk]["withdrawn"]["as"] == "removed"
    assert latest[claims[3].pk]["withdrawn"] == {
        "as": "unpublished",
        "at": latest[claims[3].pk]["withdrawn"]["at"],
        "reason": "",
    }
    assert latest[public_world["seed"].pk]["claim"]["source_edits"][0]["after"] == REWORDED
    assert latest[claims[6].pk]["claim"]["annotations"][0]["tags"][0]["label"] == "Contested"
    shown = latest[claims[5].pk]["claim"]
    assert shown["appearances"][0]["article"]["title"] == "Corrected title"
    assert shown["appearances"][0]["article"]["source"]["name"] == "Renamed outlet"
    assert shown["annotations"][0]["author"] == "alice_renamed"
    for result in latest.values():
        if result["action"] == "upsert":
            assert result["claim"] == api.get(f"/api/claims/{result['id']}/").json()


def read_api(client, page_size) -> bytes:
    """Every page of /api/changes/ from the beginning, as received."""
    bodies, since = [], ""
    while True:
        response = client.get("/api/changes/", {"page_size": page_size, "since": since})
        bodies.append(response.content)
        body = response.json()
        since = body["next_since"]
        if not body["has_more"]:
            return b"".join(bodies)


def test_the_published_feed_never_shows_what_the_public_may_not_see(
    public_world, api, token_client, rita_reader, as_user, erin_editor
):
    # The words are there to be seen, by an editor.
    editors = read_api(as_user(erin_editor), 1000)
    assert RETURN_COMMENT.encode() in editors and BLIND_RATIONALE.encode() in editors
    for client in (api, token_client(rita_reader, read_only=True)):
        bodies = [read_api(client, 1), read_api(client, 1000)]
        bodies.append(b"".join(client.get("/api/changes.jsonl").streaming_content))
        for body in bodies:
            for text in (RETURN_COMMENT, BLIND_RATIONALE, DRAFT_CLAIM):
                assert text.encode() not in body
        ids = {r["id"] for line in bodies[2].splitlines() for r in [orjson.loads(line)]}
        assert public_world["draft"].pk not in ids
        assert public_world["claims"][1].pk in ids  # its tombstone


def test_a_read_only_token_reads_the_anonymous_feed(public_world, api, token_client, rita_reader):
    token = token_client(rita_reader, read_only=True)
    anonymous = api.get("/api/changes/?page_size=1000").json()
    tokened = token.get("/api/changes/?page_size=1000").json()
    assert tokened["results"] == anonymous["results"]


def _loads(page: bytes) -> list[dict]:
    return orjson.loads(page)


def _published_claims(count, author, editor):
    capture = CaptureFactory(text=". ".join(f"Phrase numéro {n} du texte" for n in range(count)))
    claims = []
    for n in range(count):
        claim = factories.mark_sentence(author, capture, f"Phrase numéro {n} du texte")
        _published(author, editor, claim, tags=["disputed"])
        claims.append(claim)
    return claims


@pytest.mark.parametrize("count", [1, 6])
def test_a_relabelled_tag_costs_the_same_statements_whatever_it_reaches(
    api, alice_journalist, erin_editor, count, django_assert_num_queries
):
    tag = TagFactory(slug="disputed")
    _published_claims(count, alice_journalist, erin_editor)
    since = api.get("/api/changes/?page_size=1000").json()["next_since"]
    services.save_tag(user=erin_editor, tag=tag, slug="disputed", label="Contested")
    # the entries with the stored documents; the claims showing the tag; their documents
    with django_assert_num_queries(3):
        body = api.get(f"/api/changes/?page_size=1000&since={since}").json()
    assert len(body["results"]) == count


@pytest.mark.parametrize("count", [1, 6])
def test_a_read_only_tokens_page_adds_only_the_tokens_lookup(
    token_client, rita_reader, alice_journalist, erin_editor, count, django_assert_num_queries
):
    TagFactory(slug="disputed")
    _published_claims(count, alice_journalist, erin_editor)
    client = token_client(rita_reader, read_only=True)
    client.get("/api/changes/")  # notes the token's use (at most once a minute)
    # the token (with its user); the entries with the stored documents
    with django_assert_num_queries(2):
        client.get("/api/changes/?page_size=1000")


def test_an_article_corrected_reaches_the_feed_once_per_claim(
    api, alice_journalist, erin_editor, adam_admin
):
    TagFactory(slug="disputed")
    claims = _published_claims(3, alice_journalist, erin_editor)
    since = api.get("/api/changes/").json()["next_since"]
    article = claims[0].appearances.get().capture.article
    archive.update_article(actor=adam_admin, article=article, title="Corrected")
    services.update_claim(user=erin_editor, claim=claims[1], text="Reworded claim", reason="x")
    results = api.get(f"/api/changes/?since={since}").json()["results"]
    # The claim changed after the correction comes last; each claim once.
    assert [r["id"] for r in results] == [claims[0].pk, claims[2].pk, claims[1].pk]
    assert {r["claim"]["appearances"][0]["article"]["title"] for r in results} == {"Corrected"}
