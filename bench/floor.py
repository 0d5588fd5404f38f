"""The floor: what the claims API returns, fetched with plain psycopg and encoded with orjson.

The same rows (anonymous reader: living claims with a published annotation, newest change
first; their appearances with capture, article and source; their published annotations with
author, reviewer, tags and evidence) in the same JSON shape as `GET /api/claims/`, with no
ORM, no serializers and no request handling. What the API costs above this is overhead.
Beside it, the stored-document floor: the same page from the published read model's stored
documents, fetched and joined. PostgreSQL only.
"""

import base64
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from urllib.parse import urlencode

import orjson

CLAIMS_SQL = """
SELECT c.id, c.text, c.language, c.claimant, u.username, c.created_at, c.updated_at
FROM annotations_claim c JOIN auth_user u ON u.id = c.created_by_id
WHERE c.deleted_at IS NULL AND EXISTS (
    SELECT 1 FROM annotations_annotation a
    WHERE a.claim_id = c.id AND a.deleted_at IS NULL AND a.status = 'published'
)
"""
PAGE_SQL = CLAIMS_SQL + " ORDER BY c.updated_at DESC, c.id DESC LIMIT %s"
EXPORT_SQL = CLAIMS_SQL + " AND c.id > %s ORDER BY c.id LIMIT %s"
APPEARANCES_SQL = """
SELECT ap.id, ap.claim_id, ap.capture_id, ar.id, ar.title, ar.url, ar.language,
       ar.published_at, s.id, s.slug, s.name, s.country, ap.quote, ap.start, ap."end",
       ap.prefix, ap.suffix, ap.anchor_status, ap.anchor_method, ap.anchor_score, ap.created_at
FROM annotations_appearance ap
JOIN archive_capture cp ON cp.id = ap.capture_id
JOIN archive_article ar ON ar.id = cp.article_id
LEFT JOIN archive_source s ON s.id = ar.source_id
WHERE ap.claim_id = ANY(%s) ORDER BY ap.id
"""
ANNOTATIONS_SQL = """
SELECT a.id, a.claim_id, au.username, a.status, a.version, a.confidence, a.verdict,
       a.rationale, a.review_comment, ru.username, a.reviewed_at, a.published_at,
       a.created_at, a.updated_at
FROM annotations_annotation a
JOIN auth_user au ON au.id = a.author_id
LEFT JOIN auth_user ru ON ru.id = a.reviewed_by_id
WHERE a.claim_id = ANY(%s) AND a.deleted_at IS NULL AND a.status = 'published'
ORDER BY a.created_at, a.id
"""
TAGS_SQL = """
SELECT at.annotation_id, t.slug, t.label
FROM annotations_annotation_tags at JOIN annotations_tag t ON t.id = at.tag_id
WHERE at.annotation_id = ANY(%s) ORDER BY t.category, t.label
"""
EVIDENCE_SQL = """
SELECT e.id, e.annotation_id, e.kind, e.url, e.capture_id, e.quote, e.document, e.stance,
       e.note, u.username, e.created_at
FROM annotations_evidence e JOIN auth_user u ON u.id = e.added_by_id
WHERE e.annotation_id = ANY(%s) AND e.deleted_at IS NULL ORDER BY e.created_at, e.id
"""


def iso(value: dt.datetime | None) -> str | None:
    """As DRF renders datetimes: ISO 8601 in UTC, with Z."""
    if value is None:
        return None
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def claims_json(cursor, claim_rows: list[tuple], media_url: str = "/media/") -> list[dict]:
    """The API's representation of `claim_rows` (rows of CLAIMS_SQL): four more queries."""
    ids = [row[0] for row in claim_rows]
    appearances = defaultdict(list)
    cursor.execute(APPEARANCES_SQL, [ids])
    for r in cursor.fetchall():
        source = {"id": r[8], "slug": r[9], "name": r[10], "country": r[11]} if r[8] else None
        appearances[r[1]].append(
            {
                "id": r[0],
                "claim": r[1],
                "capture": r[2],
                "article": {
                    "id": r[3],
                    "title": r[4],
                    "url": r[5],
                    "language": r[6],
                    "published_at": iso(r[7]),
                    "source": source,
                },
                "quote": r[12],
                "selector": {"start": r[13], "end": r[14], "prefix": r[15], "suffix": r[16]},
                "anchor": {"status": r[17], "method": r[18], "score": r[19]},
                "created_at": iso(r[20]),
            }
        )
    annotations = defaultdict(list)
    by_id = {}
    cursor.execute(ANNOTATIONS_SQL, [ids])
    for r in cursor.fetchall():
        annotation = {
            "id": r[0],
            "claim": r[1],
            "author": r[2],
            "status": r[3],
            "version": r[4],
            "tags": [],
            "confidence": float(r[5]),
            "verdict": r[6],
            "rationale": r[7],
            "evidence": [],
            "review_comment": r[8],
            "reviewed_by": r[9],
            "reviewed_at": iso(r[10]),
            "published_at": iso(r[11]),
            "created_at": iso(r[12]),
            "updated_at": iso(r[13]),
        }
        annotations[r[1]].append(annotation)
        by_id[r[0]] = annotation
    if by_id:
        annotation_ids = list(by_id)
        cursor.execute(TAGS_SQL, [annotation_ids])
        for annotation_id, slug, label in cursor.fetchall():
            by_id[annotation_id]["tags"].append({"slug": slug, "label": label})
        cursor.execute(EVIDENCE_SQL, [annotation_ids])
        for r in cursor.fetchall():
            by_id[r[1]]["evidence"].append(
                {
                    "id": r[0],
                    "annotation": r[1],
                    "kind": r[2],
                    "url": r[3],
                    "capture": r[4],
                    "quote": r[5],
                    "document": media_url + r[6] if r[6] else None,
                    "stance": r[7],
                    "note": r[8],
                    "added_by": r[9],
                    "created_at": iso(r[10]),
                }
            )
    return [
        {
            "id": r[0],
            "text": r[1],
            "language": r[2],
            "claimant": r[3],
            "created_by": r[4],
            "created_at": iso(r[5]),
            "updated_at": iso(r[6]),
            "appearances": appearances[r[0]],
            "annotations": annotations[r[0]],
        }
        for r in claim_rows
    ]


def first_page(connection, page_size: int, base_url: str) -> bytes:
    """The first page of the claim list as the API encodes it (cursor envelope included)."""
    with connection.cursor() as cursor:
        cursor.execute(PAGE_SQL, [page_size + 1])
        rows = cursor.fetchall()
        results = claims_json(cursor, rows[:page_size])
    next_url = None
    if len(rows) > page_size:
        position = str(rows[page_size - 1][6].astimezone(dt.UTC))
        cursor_token = base64.b64encode(urlencode({"p": position}).encode()).decode()
        next_url = f"{base_url}?{urlencode({'cursor': cursor_token, 'page_size': page_size})}"
    return orjson.dumps({"next": next_url, "previous": None, "results": results})


def export_lines(connection, chunk_size: int = 500) -> Iterator[bytes]:
    """The JSON Lines export (published claims by id), in chunks of `chunk_size` claims."""
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(EXPORT_SQL, [last, chunk_size])
            rows = cursor.fetchall()
            if not rows:
                return
            yield b"".join(orjson.dumps(claim) + b"\n" for claim in claims_json(cursor, rows))
            last = rows[-1][0]


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
    with connection.cursor() as cursor:
        cursor.execute(STORED_PAGE_SQL, [page_size + 1])
        rows = cursor.fetchall()
    next_url = None
    if len(rows) > page_size:
        position = str(rows[page_size - 1][1].astimezone(dt.UTC))
        cursor_token = base64.b64encode(urlencode({"p": position}).encode()).decode()
        next_url = f"{base_url}?{urlencode({'cursor': cursor_token, 'page_size': page_size})}"
    results = ",".join(row[0] for row in rows[:page_size])
    return (
        b'{"next":'
        + orjson.dumps(next_url)
        + b',"previous":null,"results":['
        + results.encode()
        + b"]}"
    )
