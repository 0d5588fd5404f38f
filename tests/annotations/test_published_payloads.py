"""Anonymous readers and read-only tokens are served the stored documents of the published read
model; the whole response must be the one the live path gives them — the same bytes, status
and content type — for the claim list (filters, orderings, every page forwards and back), a
claim, a claim they may not see, and the change feed (pages and JSON Lines)."""

import json
import re

import pytest

from annotations.models import Annotation
from api.claims import ClaimViewSet
from publication import feed
from tests.factories import (
    AnnotationFactory,
    AppearanceFactory,
    ClaimFactory,
    SourceFactory,
    TagFactory,
    annotated_claims,
    deferred_publication,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(seeded, erin_editor):
    """Published claims in two outlets with different tags and confidences, one claim with a
    draft only, and the seed."""
    claims = annotated_claims(7)
    other = TagFactory(slug="other", label="Other")
    with deferred_publication():
        for n in range(4):
            claim = ClaimFactory(text=f"Autre affirmation {n}", language="en" if n % 2 else "fr")
            AppearanceFactory(claim=claim, capture__article__source=SourceFactory(slug="le-monde"))
            AnnotationFactory(
                claim=claim,
                status=Annotation.Status.PUBLISHED,
                published_at=claim.created_at,
                confidence=f"0.{n + 2}00",
                verdict=Annotation.Verdict.FALSE,
                reviewed_by=erin_editor,
                tags=[other],
            )
        AnnotationFactory(claim=ClaimFactory(text="draft only"))
    return claims


def served(client, url: str, *, live: bool, monkeypatch) -> tuple[int, str, bytes]:
    with monkeypatch.context() as patch:
        if live:
            patch.setattr(ClaimViewSet, "reads_published", property(lambda view: False))
            patch.setattr(feed, "reads_published", lambda reader: False)
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response["Content-Type"], content


@pytest.fixture(params=["anonymous", "read-only token"])
def reader(request, api, token_client, alice_journalist):
    if request.param == "anonymous":
        return api
    return token_client(alice_journalist, read_only=True)


# A feed cursor carries the second it was issued, which may tick between two requests.
ISSUED = re.compile(rb'"next_since":"[^"]*"')


def assert_same(client, url, monkeypatch) -> bytes:
    stored = served(client, url, live=False, monkeypatch=monkeypatch)
    live = served(client, url, live=True, monkeypatch=monkeypatch)
    assert stored[:2] == live[:2], url
    assert ISSUED.sub(b"", stored[2]) == ISSUED.sub(b"", live[2]), url
    return stored[2]


QUERIES = [
    "",
    "tag=corpus-tag-1",
    "tag=other&tag=corpus-tag-2",
    "source=le-monde",
    "language=en",
    "min_confidence=0.3&max_confidence=0.5",
    "verdict=false",
    "status=published",
    "status=draft",
    "author=corpus_author_1",
    "q=raison",
    "updated_since=2000-01-01T00:00:00Z",
    "ordering=created_at",
    "ordering=-id",
    "ordering=updated_at",
    "tag=unknown",
]


@pytest.mark.parametrize("query", QUERIES)
def test_every_list_page_is_the_live_one(reader, corpus, monkeypatch, query):
    url = f"/api/claims/?page_size=3&{query}"
    pages = 0
    while url:
        content = assert_same(reader, url, monkeypatch)
        page = json.loads(content)
        pages += 1
        url = page["next"]
    assert pages >= (4 if query == "" else 1)
    # And back: the previous links of the last page.
    url = page["previous"]
    while url:
        url = json.loads(assert_same(reader, url, monkeypatch))["previous"]


def test_a_claim_and_a_missing_one_are_the_live_ones(reader, corpus, monkeypatch):
    for claim in corpus[:2]:
        assert_same(reader, f"/api/claims/{claim.pk}/", monkeypatch)
    hidden = Annotation.objects.get(claim__text="draft only").claim_id
    for pk in (hidden, 999_999, "abc"):
        assert_same(reader, f"/api/claims/{pk}/", monkeypatch)


def test_the_change_feed_is_the_live_one(reader, corpus, monkeypatch, erin_editor):
    from annotations import services

    annotation = Annotation.objects.filter(claim=corpus[0]).first()
    services.retract_annotation(
        user=erin_editor,
        annotation=annotation,
        reason="Wrong.",
        expected_version=annotation.version,
    )
    url = "/api/changes/?page_size=4"
    for _ in range(3):
        page = json.loads(assert_same(reader, url, monkeypatch))
        if not page["has_more"]:
            break
        url = f"/api/changes/?page_size=4&since={page['next_since']}"
    assert_same(reader, "/api/changes.jsonl", monkeypatch)


def test_export_is_the_same_for_every_reader(api, as_user, erin_editor, corpus):
    anonymous = b"".join(api.get("/api/claims/export.jsonl").streaming_content)
    editor = b"".join(as_user(erin_editor).get("/api/claims/export.jsonl").streaming_content)
    assert anonymous == editor and anonymous.count(b"\n") == 12
