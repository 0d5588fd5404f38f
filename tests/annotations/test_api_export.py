"""The JSON Lines export streams the stored lines of the published read model: byte for byte
the live anonymous representation (`claims_data` through the API's renderer), whatever the
filters; one query for the whole export, read chunk by chunk (a server-side cursor on
PostgreSQL, or, for the whole public record, a `COPY` of the stored documents)."""

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.filters import ClaimFilter
from annotations.models import Annotation, Appearance, Claim, Evidence, PublishedClaim
from annotations.services.assignments import assign_claims
from annotations.services.claims import delete_claim
from annotations.services.review import retract_annotation
from api.claims import ClaimViewSet
from archive.models import Article
from core.api.renderers import dumps
from publication import published
from publication.representations import claims_data
from tests import factories
from tests.factories import (
    AnnotationFactory,
    AppearanceFactory,
    ClaimFactory,
    EvidenceFactory,
    TagFactory,
    annotated_claims,
)

pytestmark = pytest.mark.django_db

EXPORT = "/api/claims/export.jsonl"


def lines(client, query: str = "") -> list[bytes]:
    response = client.get(f"{EXPORT}?{query}")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).splitlines()


def live_lines(query: str = "") -> list[bytes]:
    """The export as the live path builds it: the filtered claims an anonymous reader sees,
    oldest id first, each as `GET /api/claims/<id>/` renders it."""
    reader = AnonymousUser()
    filterset = ClaimFilter(
        QueryDict(query), queryset=Claim.objects.visible_to(reader), viewer=reader
    )
    assert filterset.is_valid(), filterset.errors
    claims = list(filterset.qs.order_by("pk").with_creator())
    return [dumps(claim) for claim in claims_data(claims, reader)]


@pytest.fixture
def corpus(seeded, settings, tmp_path, alice_journalist, bob_journalist, erin_editor):
    """Claims with everything a line can hold: several annotations (published, draft), tags
    in several categories, evidence of each kind (a document with a name to percent-encode)
    and a deleted one, a reviewer, whole and fractional confidences and anchor scores,
    timestamps with and without microseconds, an article with no source nor date, another
    language, and text that JSON must escape."""
    settings.MEDIA_ROOT = tmp_path
    claim = Claim.objects.get()  # the seed's
    capture = factories.CaptureFactory(article__source=None, article__published_at=None)
    AppearanceFactory(claim=claim, capture=capture, anchor_score=0.875)
    tags = [
        TagFactory(slug="zz-context", label="Zz context (test)", category="about"),
        TagFactory(slug="aa-sourcing", label="Aa sourcing (test)", category="sourcing"),
    ]
    published = timezone.now().replace(microsecond=0)
    for author, confidence in ((alice_journalist, "1.000"), (bob_journalist, "0.333")):
        annotation = AnnotationFactory(
            claim=claim,
            author=author,
            status=Annotation.Status.PUBLISHED,
            confidence=Decimal(confidence),
            verdict=Annotation.Verdict.MISLEADING,
            rationale='Quotes "inside", a tab\tand a line\nbreak; ünïcödé, 中文, emoji 🙂.',
            published_at=published,
            reviewed_by=erin_editor,
            reviewed_at=published + dt.timedelta(microseconds=120),
            tags=tags,
        )
        EvidenceFactory(annotation=annotation, note="A link.")
        EvidenceFactory(
            annotation=annotation,
            kind=Evidence.Kind.CAPTURE,
            url="",
            capture=capture,
            quote="le Kirghizistan a annulé",
            stance=Evidence.Stance.CONTEXT,
        )
        EvidenceFactory(
            annotation=annotation,
            kind=Evidence.Kind.DOCUMENT,
            url="",
            document=SimpleUploadedFile("rapport été (v2).pdf", b"%PDF-1.4"),
            stance=Evidence.Stance.CONTRADICTS,
        )
        EvidenceFactory(annotation=annotation, note="Withdrawn.", deleted_at=timezone.now())
    AnnotationFactory(claim=claim, author=erin_editor, status=Annotation.Status.DRAFT)
    english = ClaimFactory(text="An English claim, with \\ and \u0001.", language="en")
    AppearanceFactory(
        claim=english,
        capture__article__source=factories.SourceFactory(slug="le-monde", name="Le Monde"),
    )
    AnnotationFactory(
        claim=english,
        status=Annotation.Status.PUBLISHED,
        published_at=published,
        confidence=Decimal("0.000"),
        tags=[tags[0]],
    )
    AnnotationFactory(claim=ClaimFactory(text="draft only"), status=Annotation.Status.DRAFT)
    annotated_claims(3)
    # Whole seconds, which ISO 8601 writes without a fraction.
    Claim.objects.filter(pk=english.pk).update(created_at=published)
    Appearance.objects.filter(claim=english).update(created_at=published)
    factories.publish_changes([english.pk])
    return claim


@pytest.mark.parametrize(
    "query",
    [
        "",
        "tag=aa-sourcing",
        "tag=zz-context&tag=no-official-reason-given",
        "source=le-monde",
        "q=Kirghizistan",
        "language=en",
        "min_confidence=0.9",
        "updated_since=2000-01-01T00:00:00Z",
        "updated_since=2999-01-01T00:00:00Z",
    ],
)
def test_export_lines_are_the_live_anonymous_representation_byte_for_byte(api, corpus, query):
    exported = lines(api, query)
    assert exported == live_lines(query)
    if query in ("", "source=le-monde"):
        assert exported  # the comparison is not between two empty exports


def test_export_line_writes_values_as_the_api_does(api, corpus):
    rows = {row["id"]: row for row in map(json.loads, lines(api))}
    claim = rows[corpus.pk]
    assert [a["confidence"] for a in claim["annotations"]][-2:] == [1.0, 0.333]
    assert {a["anchor"]["score"] for a in claim["appearances"]} == {1.0, 0.875}
    assert {a["status"] for a in claim["annotations"]} == {"published"}
    annotation = claim["annotations"][-1]
    assert [t["slug"] for t in annotation["tags"]] == ["zz-context", "aa-sourcing"]
    assert [e["kind"] for e in annotation["evidence"]] == ["url", "capture", "document"]
    document = annotation["evidence"][2]["document"]
    assert document.startswith("/media/evidence/")
    assert quote("rapport_été_v2") in document and document.endswith(".pdf")
    assert annotation["reviewed_by"] == "erin_editor"
    assert annotation["reviewed_at"].endswith(".000120Z")
    assert annotation["published_at"].endswith("Z") and "." not in annotation["published_at"]
    no_source = [a for a in claim["appearances"] if a["article"]["source"] is None]
    assert no_source and no_source[0]["article"]["published_at"] is None
    english = next(row for row in rows.values() if row["language"] == "en")
    assert english["created_at"].endswith("Z") and "." not in english["created_at"]
    assert english["text"] == "An English claim, with \\ and \u0001."
    assert Article.objects.filter(source=None).exists()


def test_export_streams_chunk_by_chunk_in_one_query(api, monkeypatch):
    annotated_claims(5)
    monkeypatch.setattr(ClaimViewSet, "export_chunk_size", 2)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(EXPORT)
        assert response.streaming
        before = len(queries)
        chunks = list(response.streaming_content)
    # The stored lines come through one query, read as the stream is consumed.
    assert len(queries) - before == 1
    assert [len(chunk.splitlines()) for chunk in chunks] == [2, 2, 1]
    ids = [json.loads(line)["id"] for line in b"".join(chunks).splitlines()]
    assert ids == sorted(Claim.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("count", [1, 30])
def test_export_query_count_does_not_grow(api, django_assert_num_queries, count):
    annotated_claims(count)
    # The stored lines of the filtered claims, in one query.
    with django_assert_num_queries(1):
        assert len(lines(api, "tag=corpus-tag-1")) == count


def test_bad_filter_is_refused_before_streaming(api):
    response = api.get(f"{EXPORT}?updated_since=yesterday")
    assert response.status_code == 400
    assert "updated_since" in response.json()["errors"]


@pytest.fixture
def public_record(erin_editor):
    """A published corpus with what a stored line may hold: text that JSON escapes
    (backslashes, quotes, line breaks, tabs, control characters), accents, scripts and emoji;
    and the claims that leave it: one whose annotation was retracted, one removed, a draft."""
    texts = [
        'Back\\slash \\\\ double, \\n not a break, "quoted", it\'s',
        "A line\nbreak, a tab\tand a carriage\rreturn, \u0001 \u0002 \u007f",
        "ünïcödé, 中文, العربية, emoji 🙂🇫🇷, U+2028 \u2028 and U+2029 \u2029",
    ]
    claims = annotated_claims(6)
    for claim, text in zip(claims, texts, strict=False):
        Claim.objects.filter(pk=claim.pk).update(text=text)
        Annotation.objects.filter(claim=claim).update(rationale=f"Why: {text}")
    factories.publish_changes([claim.pk for claim in claims])
    for annotation in Annotation.objects.filter(claim=claims[3]):
        retract_annotation(
            user=erin_editor,
            annotation=annotation,
            reason='Retracted: "wrong" \\ source',
            expected_version=annotation.version,
        )
    delete_claim(user=erin_editor, claim=claims[4], reason="Removed.")
    AnnotationFactory(claim=ClaimFactory(text="draft only"), status=Annotation.Status.DRAFT)
    return claims


def test_whole_export_is_the_filtered_path_byte_for_byte(api, public_record):
    response = api.get(EXPORT)
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="claimdesk-claims.jsonl"'
    with CaptureQueriesContext(connection) as queries:
        exported = b"".join(response.streaming_content)
    # PostgreSQL streams the stored documents with COPY; SQLite reads them as the filtered
    # path does.
    [query] = queries
    assert query["sql"].startswith("COPY") == (connection.vendor == "postgresql")
    assert exported == b"".join(published.export_lines(published.claims()))
    assert exported.splitlines() == live_lines()
    ids = [json.loads(line)["id"] for line in exported.splitlines()]
    assert ids == [public_record[pk].pk for pk in (0, 1, 2, 5)]
    assert exported.endswith(b"\n") and b"\\\\" in exported and "🙂".encode() in exported


def test_whole_export_writes_any_stored_text_as_stored(api, public_record):
    # Documents that are not compact JSON (no writer stores such) still come out as stored:
    # the characters COPY quotes or escapes, each at the start, inside and at the end.
    odd = ["\x02", "\x01\x02\x02\\", '\x02"\r\t\\N\x02', "\x02 a line\nbreak \x01"]
    rows = PublishedClaim.objects.order_by("claim_id")[: len(odd)]
    for row, text in zip(rows, odd, strict=True):
        PublishedClaim.objects.filter(pk=row.pk).update(document=text)
    exported = b"".join(api.get(EXPORT).streaming_content)
    assert exported == b"".join(published.export_lines(published.claims()))
    assert exported.startswith("\n".join(odd).encode())


@pytest.mark.parametrize("count", [1, 30])
def test_whole_export_query_count_does_not_grow(api, django_assert_num_queries, count):
    annotated_claims(count)
    # The stored lines of every published claim, in one query.
    with django_assert_num_queries(1):
        assert len(lines(api)) == count


def test_whole_export_is_for_readers_of_the_public_record_only(as_user, public_record, erin_editor):
    # A journalist assigned a claim blind does not get it: their export is filtered.
    journalist = factories.journalist("blind_journalist")
    assign_claims(
        user=erin_editor,
        claims=[public_record[0]],
        assignees=[journalist],
        blind=True,
        show_published=False,
    )
    response = as_user(journalist).get(EXPORT)
    exported = b"".join(response.streaming_content).splitlines()
    assert [json.loads(line)["id"] for line in exported] == [
        public_record[pk].pk for pk in (1, 2, 5)
    ]


@pytest.mark.django_db(transaction=True)
def test_whole_export_closed_early_leaves_the_connection_usable(api, monkeypatch):
    annotated_claims(5)
    monkeypatch.setattr(ClaimViewSet, "export_chunk_size", 2)
    response = api.get(EXPORT)
    chunks = iter(response.streaming_content)
    assert len(next(chunks).splitlines()) == 2
    response.close()
    assert Claim.objects.count() == 5
