"""The JSON Lines export built by PostgreSQL: each line is a published claim exactly as the
claim list represents it for an anonymous reader, but encoded by the database
(`json_build_object`, with one `json_agg` per related table joined by id), so that Python only
joins the lines. Same keys, values, shapes and order as `representations.claims_data`; the equality
tests keep the two in step.

The claims are those of a filtered queryset (the claim list's FilterSet), read by keyset
pagination over the primary key: each chunk first fixes its ids (a materialized CTE from the
queryset's own SQL), then builds the JSON of those rows only, so memory stays flat and a
client that stops reading leaves no open cursor behind.
"""

from collections.abc import Iterator

from django.core.files.storage import FileSystemStorage
from django.db import connections, transaction
from django.db.models import QuerySet

from .models import Annotation, Evidence

# What Python's urllib.parse.quote leaves alone under Django's filepath_to_uri.
URI_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/!*()'"


def supported(claims: QuerySet) -> bool:
    """Whether the database can build the lines: PostgreSQL, with documents on a file system
    storage (whose URLs are the media URL and the quoted name)."""
    storage = Evidence._meta.get_field("document").storage
    return connections[claims.db].vendor == "postgresql" and isinstance(storage, FileSystemStorage)


def _iso(column: str) -> str:
    """A timestamptz as DRF renders it: UTC, ISO 8601, microseconds only when not zero, "Z";
    NULL stays NULL (json null)."""
    return (
        f"""replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),"""
        " '.000000Z', 'Z')"
    )


def _float(column: str) -> str:
    """A double as orjson writes a Python float: shortest round-trip digits, and a whole
    number with ".0" (PostgreSQL would write 1 where Python writes 1.0)."""
    return (
        f"CASE WHEN {column} = trunc({column}) THEN (trunc({column})::numeric::text || '.0')::json"
        f" ELSE to_json({column}) END"
    )


def _document_url(column: str) -> str:
    """storage.url(name) for a FileSystemStorage: the base URL (a parameter) and the name
    percent-encoded as filepath_to_uri does; NULL when there is no document."""
    safe = URI_SAFE.replace("'", "''")
    quoted = (
        "(SELECT string_agg(CASE WHEN position(ch IN '" + safe + "') > 0 THEN ch"
        " ELSE upper(regexp_replace(encode(convert_to(ch, 'UTF8'), 'hex'), '(..)', '%%\\1', 'g'))"
        " END, '' ORDER BY i)"
        f" FROM regexp_split_to_table(ltrim(replace({column}, '\\', '/'), '/'), '')"
        " WITH ORDINALITY AS t(ch, i))"
    )
    return f"CASE WHEN {column} = '' THEN NULL ELSE %(media)s || {quoted} END"


# Each chunk of claims is one query: its appearances, annotations, tags and evidence are
# aggregated per claim (or per annotation) in one pass over each table, joined by id, rather
# than looked up claim by claim.
CHUNK = f"""
WITH appearances AS (
    SELECT ap.claim_id, json_agg(json_build_object(
        'id', ap.id,
        'claim', ap.claim_id,
        'capture', ap.capture_id,
        'article', json_build_object(
            'id', ar.id,
            'title', ar.title,
            'url', ar.url,
            'language', ar.language,
            'published_at', {_iso("ar.published_at")},
            'source', CASE WHEN s.id IS NULL THEN NULL ELSE json_build_object(
                'id', s.id, 'slug', s.slug, 'name', s.name, 'country', s.country
            ) END
        ),
        'quote', ap.quote,
        'selector', json_build_object(
            'start', ap.start, 'end', ap."end", 'prefix', ap.prefix, 'suffix', ap.suffix
        ),
        'anchor', json_build_object(
            'status', ap.anchor_status,
            'method', ap.anchor_method,
            'score', {_float("ap.anchor_score")}
        ),
        'created_at', {_iso("ap.created_at")}
    ) ORDER BY ap.id) AS items
    FROM annotations_appearance ap
    JOIN archive_capture cp ON cp.id = ap.capture_id
    JOIN archive_article ar ON ar.id = cp.article_id
    LEFT JOIN archive_source s ON s.id = ar.source_id
    WHERE ap.claim_id = ANY(%(ids)s)
    GROUP BY ap.claim_id
),
-- Published annotations only: the export is what an anonymous reader may see.
published AS MATERIALIZED (
    SELECT * FROM annotations_annotation
    WHERE claim_id = ANY(%(ids)s) AND deleted_at IS NULL AND status = %(published)s
),
tags AS (
    SELECT at.annotation_id, json_agg(json_build_object('slug', t.slug, 'label', t.label)
                                      ORDER BY t.category, t.label, t.id) AS items
    FROM annotations_annotation_tags at JOIN annotations_tag t ON t.id = at.tag_id
    WHERE at.annotation_id IN (SELECT id FROM published)
    GROUP BY at.annotation_id
),
evidence AS (
    SELECT e.annotation_id, json_agg(json_build_object(
        'id', e.id,
        'annotation', e.annotation_id,
        'kind', e.kind,
        'url', e.url,
        'capture', e.capture_id,
        'quote', e.quote,
        'document', {_document_url("e.document")},
        'stance', e.stance,
        'note', e.note,
        'added_by', eu.username,
        'created_at', {_iso("e.created_at")}
    ) ORDER BY e.created_at, e.id) AS items
    FROM annotations_evidence e JOIN auth_user eu ON eu.id = e.added_by_id
    WHERE e.annotation_id IN (SELECT id FROM published) AND e.deleted_at IS NULL
    GROUP BY e.annotation_id
),
annotations AS (
    SELECT a.claim_id, json_agg(json_build_object(
        'id', a.id,
        'claim', a.claim_id,
        'author', au.username,
        'status', a.status,
        'version', a.version,
        'tags', COALESCE(tags.items, '[]'::json),
        'confidence', {_float("a.confidence::float8")},
        'verdict', a.verdict,
        'rationale', a.rationale,
        'evidence', COALESCE(evidence.items, '[]'::json),
        'review_comment', a.review_comment,
        'reviewed_by', ru.username,
        'reviewed_at', {_iso("a.reviewed_at")},
        'published_at', {_iso("a.published_at")},
        'created_at', {_iso("a.created_at")},
        'updated_at', {_iso("a.updated_at")}
    ) ORDER BY a.created_at, a.id) AS items
    FROM published a
    JOIN auth_user au ON au.id = a.author_id
    LEFT JOIN auth_user ru ON ru.id = a.reviewed_by_id
    LEFT JOIN tags ON tags.annotation_id = a.id
    LEFT JOIN evidence ON evidence.annotation_id = a.id
    GROUP BY a.claim_id
)
SELECT json_build_object(
    'id', c.id,
    'text', c.text,
    'language', c.language,
    'claimant', c.claimant,
    'created_by', cu.username,
    'created_at', {_iso("c.created_at")},
    'updated_at', {_iso("c.updated_at")},
    'appearances', COALESCE(appearances.items, '[]'::json),
    'annotations', COALESCE(annotations.items, '[]'::json)
)::text
FROM annotations_claim c
JOIN auth_user cu ON cu.id = c.created_by_id
LEFT JOIN appearances ON appearances.claim_id = c.id
LEFT JOIN annotations ON annotations.claim_id = c.id
WHERE c.id = ANY(%(ids)s)
ORDER BY c.id
"""


def lines(claims: QuerySet, chunk_size: int) -> Iterator[bytes]:
    """The claims of `claims` (any filters; its ordering is replaced by the id) as JSON
    Lines, by id, in chunks of `chunk_size` claims: their ids are read through a server-side
    cursor (one query for the whole export), then each chunk is one query."""
    storage = Evidence._meta.get_field("document").storage
    params = {"published": Annotation.Status.PUBLISHED, "media": storage.url("")}
    connection = connections[claims.db]
    # A transaction, so that the server-side cursor is not WITH HOLD (which would read every
    # id before the first); it only reads, and ends with the stream.
    with transaction.atomic(using=claims.db), connection.chunked_cursor() as ids:
        ids.execute(*claims.order_by("pk").values_list("pk").query.sql_with_params())
        with connection.cursor() as cursor:
            # Compiling each chunk's expressions would cost more than it saves.
            cursor.execute("SET LOCAL jit = off")
            while chunk := ids.fetchmany(chunk_size):
                cursor.execute(CHUNK, {**params, "ids": [pk for (pk,) in chunk]})
                yield ("\n".join(line for (line,) in cursor.fetchall()) + "\n").encode()
