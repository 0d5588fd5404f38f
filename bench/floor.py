"""The floor: what the claims API returns, fetched with plain psycopg and encoded with orjson.

The same rows (anonymous reader: living claims with a published annotation, newest change
first; their appearances with capture, article and source; their published annotations with
author, reviewer, tags and evidence) in the same JSON shape as `GET /api/claims/`, with no
ORM, no serializers and no request handling. What the API costs above this is overhead.
Beside it, the stored-document floor: the same page from the published read model's stored
documents, fetched and joined; and the export's floor, the stored documents streamed by
COPY. PostgreSQL only. Rows are read by name (`named_cursor`), as
the representation reads them, so a column added to a query moves nothing.
"""

import base64
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from urllib.parse import urlencode

import orjson
from psycopg.rows import dict_row

CLAIMS_SQL = """
SELECT c.id, c.text, c.language, c.claimant, u.username AS created_by, c.created_at,
       c.updated_at, c.source_edits::text AS source_edits
FROM annotations_claim c JOIN auth_user u ON u.id = c.created_by_id
WHERE c.deleted_at IS NULL AND EXISTS (
    SELECT 1 FROM annotations_annotation a
    WHERE a.claim_id = c.id AND a.deleted_at IS NULL AND a.status = 'published'
)
"""
PAGE_SQL = CLAIMS_SQL + " ORDER BY c.updated_at DESC, c.id DESC LIMIT %s"
APPEARANCES_SQL = """
SELECT ap.id, ap.claim_id, ap.capture_id, ar.id AS article_id, ar.title, ar.url,
       ar.language, ar.published_at, s.id AS source_id, s.slug AS source_slug,
       s.name AS source_name, s.country AS source_country, ap.quote, ap.start, ap."end",
       ap.prefix, ap.suffix, ap.anchor_status, ap.anchor_method, ap.anchor_score, ap.created_at
FROM annotations_appearance ap
JOIN archive_capture cp ON cp.id = ap.capture_id
JOIN archive_article ar ON ar.id = cp.article_id
LEFT JOIN archive_source s ON s.id = ar.source_id
WHERE ap.claim_id = ANY(%s) ORDER BY ap.id
"""
ANNOTATIONS_SQL = """
SELECT a.id, a.claim_id, au.username AS author, a.status, a.version, a.confidence,
       a.verdict, a.rationale, a.review_comment, ru.username AS reviewed_by, a.reviewed_at,
       a.published_at, a.created_at, a.updated_at
FROM annotations_annotation a
JOIN auth_user au ON au.id = a.author_id
LEFT JOIN auth_user ru ON ru.id = a.reviewed_by_id
WHERE a.claim_id = ANY(%s) AND a.deleted_at IS NULL AND a.status = 'published'
ORDER BY a.created_at, a.id
"""
TAGS_SQL = """
SELECT at.annotation_id, t.slug, t.label, t.labels::text AS labels
FROM annotations_annotation_tags at JOIN annotations_tag t ON t.id = at.tag_id
WHERE at.annotation_id = ANY(%s) ORDER BY t.category, t.label
"""
EVIDENCE_SQL = """
SELECT e.id, e.annotation_id, e.kind, e.url, e.capture_id, e.quote, e.document, e.stance,
       e.note, u.username AS added_by, e.created_at
FROM annotations_evidence e JOIN auth_user u ON u.id = e.added_by_id
WHERE e.annotation_id = ANY(%s) AND e.deleted_at IS NULL ORDER BY e.created_at, e.id
"""


def iso(value: dt.datetime | None) -> str | None:
    """As DRF renders datetimes: ISO 8601 in UTC, with Z."""
    if value is None:
        return None
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def named_cursor(connection):
    """A cursor of `connection` whose rows are dicts by column name."""
    return connection.cursor(row_factory=dict_row)


def claims_json(cursor, claim_rows: list[dict], media_url: str = "/media/") -> list[dict]:
    """The API's representation of `claim_rows` (rows of CLAIMS_SQL, by name): four more
    queries through `cursor` (a `named_cursor`)."""
    ids = [row["id"] for row in claim_rows]
    appearances = defaultdict(list)
    cursor.execute(APPEARANCES_SQL, [ids])
    for r in cursor.fetchall():
        source = None
        if r["source_id"]:
            source = {
                "id": r["source_id"],
                "slug": r["source_slug"],
                "name": r["source_name"],
                "country": r["source_country"],
            }
        appearances[r["claim_id"]].append(
            {
                "id": r["id"],
                "claim": r["claim_id"],
                "capture": r["capture_id"],
                "article": {
                    "id": r["article_id"],
                    "title": r["title"],
                    "url": r["url"],
                    "language": r["language"],
                    "published_at": iso(r["published_at"]),
                    "source": source,
                },
                "quote": r["quote"],
                "selector": {
                    "start": r["start"],
                    "end": r["end"],
                    "prefix": r["prefix"],
                    "suffix": r["suffix"],
                },
                "anchor": {
                    "status": r["anchor_status"],
                    "method": r["anchor_method"],
                    "score": r["anchor_score"],
                },
                "created_at": iso(r["created_at"]),
            }
        )
    annotations = defaultdict(list)
    by_id = {}
    cursor.execute(ANNOTATIONS_SQL, [ids])
    for r in cursor.fetchall():
        annotation = {
            "id": r["id"],
            "claim": r["claim_id"],
            "author": r["author"],
            "status": r["status"],
            "version": r["version"],
            "tags": [],
            "confidence": float(r["confidence"]),
            "verdict": r["verdict"],
            "rationale": r["rationale"],
            "evidence": [],
            "review_comment": r["review_comment"],
            "reviewed_by": r["reviewed_by"],
            "reviewed_at": iso(r["reviewed_at"]),
            "published_at": iso(r["published_at"]),
            "created_at": iso(r["created_at"]),
            "updated_at": iso(r["updated_at"]),
        }
        annotations[r["claim_id"]].append(annotation)
        by_id[r["id"]] = annotation
    if by_id:
        annotation_ids = list(by_id)
        cursor.execute(TAGS_SQL, [annotation_ids])
        for r in cursor.fetchall():
            by_id[r["annotation_id"]]["tags"].append(
                {
                    "slug": r["slug"],
                    "label": r["label"],
                    # English first, then the translations in language order.
                    "labels": {"en": r["label"], **dict(sorted(orjson.loads(r["labels"]).items()))},
                }
            )
        cursor.execute(EVIDENCE_SQL, [annotation_ids])
        for r in cursor.fetchall():
            by_id[r["annotation_id"]]["evidence"].append(
                {
                    "id": r["id"],
                    "annotation": r["annotation_id"],
                    "kind": r["kind"],
                    "url": r["url"],
                    "capture": r["capture_id"],
                    "quote": r["quote"],
                    "document": media_url + r["document"] if r["document"] else None,
                    "stance": r["stance"],
                    "note": r["note"],
                    "added_by": r["added_by"],
                    "created_at": iso(r["created_at"]),
                }
            )
    return [
        {
            "id": r["id"],
            "text": r["text"],
            "language": r["language"],
            "claimant": r["claimant"],
            "created_by": r["created_by"],
            "created_at": iso(r["created_at"]),
            "updated_at": iso(r["updated_at"]),
            "appearances": appearances[r["id"]],
            "source_edits": orjson.loads(r["source_edits"]),
            "annotations": annotations[r["id"]],
        }
        for r in claim_rows
    ]


def first_page(connection, page_size: int, base_url: str) -> bytes:
    """The first page of the claim list as the API encodes it (cursor envelope included)."""
    with named_cursor(connection) as cursor:
        cursor.execute(PAGE_SQL, [page_size + 1])
        rows = cursor.fetchall()
        results = claims_json(cursor, rows[:page_size])
    next_url = None
    if len(rows) > page_size:
        position = str(rows[page_size - 1]["updated_at"].astimezone(dt.UTC))
        cursor_token = base64.b64encode(urlencode({"p": position}).encode()).decode()
        next_url = f"{base_url}?{urlencode({'cursor': cursor_token, 'page_size': page_size})}"
    return orjson.dumps({"next": next_url, "previous": None, "results": results})


# The stored-document floor: the published read model's documents (the anonymous JSON of
# each claim, stored by `publication.published`), fetched and joined, nothing else.
STORED_TABLE = "annotations_publishedclaim"
STORED_PAGE_SQL = f"""
SELECT p.document, c.updated_at
FROM {STORED_TABLE} p JOIN annotations_claim c ON c.id = p.claim_id
ORDER BY c.updated_at DESC, c.id DESC LIMIT %s
"""


def has_stored_documents(connection) -> bool:
    """Whether this build has the published read model (and it holds documents)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [STORED_TABLE])
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {STORED_TABLE})")
        return cursor.fetchone()[0]


def stored_first_page(connection, page_size: int, base_url: str) -> bytes:
    """The first page of the claim list from the stored documents: one query, the documents
    joined as they are (no decoding), and the cursor envelope."""
    with named_cursor(connection) as cursor:
        cursor.execute(STORED_PAGE_SQL, [page_size + 1])
        rows = cursor.fetchall()
    next_url = None
    if len(rows) > page_size:
        position = str(rows[page_size - 1]["updated_at"].astimezone(dt.UTC))
        cursor_token = base64.b64encode(urlencode({"p": position}).encode()).decode()
        next_url = f"{base_url}?{urlencode({'cursor': cursor_token, 'page_size': page_size})}"
    results = ",".join(row["document"] for row in rows[:page_size])
    return (
        b'{"next":'
        + orjson.dumps(next_url)
        + b',"previous":null,"results":['
        + results.encode()
        + b"]}"
    )


# The export's floor: the stored documents as PostgreSQL's COPY streams them, oldest claim
# first, as the export orders them (COPY's text format doubles backslashes, so the bytes are
# those of the documents give or take their escapes: a floor of throughput, not of content).
EXPORT_COPY_SQL = f"COPY (SELECT document FROM {STORED_TABLE} ORDER BY claim_id{{limit}}) TO STDOUT"


def export_copy(connection, limit: int = 0) -> Iterator[bytes]:
    """The stored documents, one per line, from COPY … TO STDOUT (the first `limit` if
    given), in the chunks psycopg receives."""
    sql = EXPORT_COPY_SQL.format(limit=f" LIMIT {int(limit)}" if limit else "")
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for data in copy:
            yield bytes(data)
