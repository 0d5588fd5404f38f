"""The change feed: which claims changed for a reader since a cursor, read from the journal.

Gap-free by construction. Ids and timestamps are taken before commit and transactions commit
out of order, so the feed passes an entry only once every older transaction has finished:
on PostgreSQL each entry carries its transaction's id (`xid`), and a page serves only
entries whose xid is below the oldest transaction still running
(`pg_snapshot_xmin(pg_current_snapshot())`), in (xid, id) order; whatever commits later has a
higher xid than every entry served, so it is after the cursor. On SQLite write transactions
are serialised (IMMEDIATE), so id order is commit order.

Which claims an entry changed is `representations.claims_affected_by`, as for the published
read model. Each page names each claim once, as the reader would see it now (an upsert: for
anonymous readers and read-only tokens the stored document of the published read model,
fetched with the entries in one statement and joined in without parsing, `published_page`;
for others `claims_data`, `live_page`), or a tombstone when the reader can no longer see it
— only if the reader could once (it was published, or theirs, or the reader is an editor),
so a draft-only claim is never revealed. A tombstone says why in `withdrawn`: the
claim's last withdrawal from public (`corrections.withdrawal`: retracted, removed or
unpublished, when, and the public reason), or null when it left the reader's view without
one (a draft removed, an assignment ended)."""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import orjson
from django.conf import settings
from django.core import signing
from django.db import connection, connections
from django.db.models import BooleanField, Case, F, JSONField, Q, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from psycopg.adapt import Loader

from accounts import roles
from annotations import visibility
from annotations.models import Claim, PublishedClaim
from journal.models import Entry
from publication import corrections, published
from publication.representations import SHOWN, claims_affected_by, claims_data, iso


class FeedEntry(NamedTuple):
    """What a page reads of each entry: its position, its time, and what
    `claims_affected_by` needs to say which claims it touched (`changes` only for an entry
    without a claim: a tag, article, source or person, whose changed fields say whether any
    claim shows them; decoding every claim entry's changes would cost a page more than the
    rest of it)."""

    id: int
    xid: int
    claim_id: int | None
    kind: str
    object_id: int
    action: str
    at: dt.datetime
    changes: list | None


class InvalidCursor(ValueError):
    """A `since` the feed did not issue (unsigned, edited, or signed with another key)."""


# Cursors carry the server's signature (SECRET_KEY, salted for this use), so an edited one —
# a newer position, or a fresher issue time to dodge the 410 — is refused.
def cursor_signer() -> signing.Signer:
    return signing.Signer(salt="claimdesk.changes.cursor", sep="~", algorithm="sha256")


# A cursor as the feed issues it: "<xid>.<id>.<issued at>~<signature>" (SHA-256, base64),
# or nothing (the beginning). The pattern states its form; only the signature tells whether
# the feed issued it.
CURSOR_PATTERN = r"^([0-9]{1,19}\.[0-9]{1,19}\.[0-9]{1,19}~[-_A-Za-z0-9]{43})?$"


class ExpiredCursor(Exception):
    """A `since` older than the tombstones kept: the client must resync."""


@dataclass(frozen=True)
class Position:
    """Where a reader is in the feed: after entry (xid, id), as of `as_of`."""

    xid: int = 0
    id: int = 0
    as_of: int = 0  # Unix seconds when the cursor was issued

    def issued_now(self) -> "Position":
        return Position(self.xid, self.id, int(timezone.now().timestamp()))

    def encode(self) -> str:
        """The cursor, signed: a client can hand it back but not make or edit one."""
        return cursor_signer().sign(f"{self.xid}.{self.id}.{self.as_of}")

    @classmethod
    def decode(cls, cursor: str) -> "Position":
        try:
            xid, pk, as_of = cursor_signer().unsign(cursor).split(".")
            position = cls(int(xid), int(pk), int(as_of))
        except (signing.BadSignature, ValueError):
            raise InvalidCursor(cursor) from None
        if min(position.xid, position.id, position.as_of) < 0:
            raise InvalidCursor(cursor)
        if max(position.xid, position.id) >= 2**63:
            raise InvalidCursor(cursor)
        return position


def parse_since(since: str | None) -> Position:
    """The position a `since` names (the beginning if none); ExpiredCursor when it is older
    than CLAIMDESK_FEED_RETENTION_DAYS."""
    if not since:
        return Position()
    position = Position.decode(since)
    oldest = timezone.now() - dt.timedelta(days=settings.CLAIMDESK_FEED_RETENTION_DAYS)
    if position.as_of < oldest.timestamp():
        raise ExpiredCursor(since)
    return position


# The oldest transaction still running, and the reader's own (when it has written: in a test's
# transaction), as numbers comparable with `Entry.xid`.
XMIN = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
OWN_XID = "pg_current_xact_id_if_assigned()::text::bigint"


def settled_entries():
    """Journal entries no running transaction can still precede."""
    entries = Entry.objects.all()
    if connection.vendor == "postgresql":
        entries = entries.filter(
            Q(xid__lt=RawSQL(XMIN, ())) | Q(xid=RawSQL(OWN_XID, ())),
            # The same, as a bound the (xid, id) index can stop at: the reader's own xid is
            # never below the oldest running one. Without it a transaction left open would
            # make every page scan all that was written since, to the end of the index.
            xid__lte=RawSQL(f"COALESCE({OWN_XID}, {XMIN} - 1)", ()),
        )
    return entries


def after(position: Position) -> Q:
    """Entries after `position` in (xid, id) order, as a row comparison, which PostgreSQL reads
    as one range of the (xid, id) index: `xid > x OR (xid = x AND id > i)` made it scan the
    index from its start and filter, a page further in costing more each time. (SQLite scans
    either way; there xid is always 0 and a development journal small.)"""
    table = connection.ops.quote_name(Entry._meta.db_table)
    xid, pk = (f"{table}.{connection.ops.quote_name(name)}" for name in ("xid", "id"))
    return Q(RawSQL(f"({xid}, {pk}) > (%s, %s)", (position.xid, position.id), BooleanField()))


def entries_after(position: Position):
    return (
        settled_entries()
        .filter(Q(claim_id__isnull=False) | Q(kind__in=list(SHOWN)))
        .filter(after(position))
        .order_by("xid", "id")
    )


def entry_rows(position: Position, size: int):
    """The next `size` entries after `position` and one more (whether there are more), as
    rows of FeedEntry's fields in feed order."""
    spread_changes = Case(When(claim_id__isnull=True, then=F("changes")), output_field=JSONField())
    return (
        entries_after(position)
        .annotate(spread_changes=spread_changes)
        .values_list(*FeedEntry._fields[:-1], "spread_changes")[: size + 1]
    )


def ever_visible(claim_ids: list[int], reader: roles.AnyUser) -> set[int]:
    """Which of these claims `reader` could see at some time: editors all; others those with
    a history event the policy lets them read (something published, or their own)."""
    if not claim_ids:
        return set()
    if roles.is_editor(reader):
        return set(claim_ids)
    return set(
        Entry.objects.filter(visibility.entries(reader), claim_id__in=claim_ids)
        .order_by()  # not the journal's (xid, id): DISTINCT would keep every entry
        .values_list("claim_id", flat=True)
        .distinct()
    )


@dataclass
class Page:
    results: list[dict]
    next_since: str
    has_more: bool


def page(reader: roles.AnyUser, position: Position, size: int) -> Page:
    """Up to `size` journal entries after `position`, as one result per claim they changed:
    for anonymous readers and read-only tokens (`reads_published`) from the published read
    model (`published_page`), for others as they see the claims live (`live_page`)."""
    if reads_published(reader):
        return published_page(position, size)
    return live_page(reader, position, size)


def published_page(position: Position, size: int) -> Page:
    """A page as an anonymous reader sees it, from the stored documents of the published read
    model, fetched with the entries in one statement and joined into the page unparsed."""
    entries, has_more, documents = stored_page(position, size)
    if not entries:
        return Page([], position.issued_now().encode(), False)
    latest = latest_changes(entries)
    # A claim reached only through a renamed tag, article, source or person had no entry of
    # its own to fetch its document with.
    fetched = {entry.claim_id for entry in entries}
    if missing := [pk for pk in latest if pk not in fetched]:
        documents.update(published.stored_documents(missing))
    shown = {pk: orjson.Fragment(document) for pk, document in documents.items()}
    return _page(published.READER, entries, has_more, latest, shown)


def live_page(reader: roles.AnyUser, position: Position, size: int) -> Page:
    """A page as `reader` sees the claims now (`claims_data`: what `GET /api/claims/<id>/`
    shows them), for those who see more than the public record: their drafts, their
    assignments' blind rules."""
    entries = [FeedEntry(*row) for row in entry_rows(position, size)]
    has_more = len(entries) > size
    entries = entries[:size]
    if not entries:
        return Page([], position.issued_now().encode(), False)
    latest = latest_changes(entries)
    visible = Claim.objects.visible_to(reader).with_creator().filter(pk__in=list(latest))
    shown = {claim["id"]: claim for claim in claims_data(list(visible), reader)}
    return _page(reader, entries, has_more, latest, shown)


def _page(
    reader: roles.AnyUser,
    entries: list[FeedEntry],
    has_more: bool,
    latest: dict[int, dt.datetime],
    shown: dict[int, object],
) -> Page:
    last = entries[-1]
    return Page(
        changes(reader, latest, shown),
        Position(last.xid, last.id).issued_now().encode(),
        has_more,
    )


def latest_changes(entries: list[FeedEntry]) -> dict[int, dt.datetime]:
    """Each claim `entries` changed, in the order of its last change, with that change's
    time."""
    latest: dict[int, dt.datetime] = {}
    for entry, claim_ids in zip(entries, claims_affected_by(entries), strict=True):
        for claim_id in sorted(claim_ids):
            latest.pop(claim_id, None)
            latest[claim_id] = entry.at
    return latest


def stored_page(
    position: Position, size: int
) -> tuple[list[FeedEntry], bool, dict[int, bytes | str]]:
    """The next `size` entries after `position` that say when a claim last changed in them (the
    last of each claim's, those of tags, articles, sources and people, and the last of all,
    for the cursor), whether more follow, and the stored document (the published read model)
    of each claim they name that an anonymous reader may see — in one statement, each
    document once, beside the last entry of its claim."""
    rows = entry_rows(position, size)
    compiler = rows.query.get_compiler(using=rows.db)
    entries_sql, params = compiler.as_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in FeedEntry._fields)
    page_columns = ", ".join(f"page.{quote(name)}" for name in FeedEntry._fields)
    sql = f"""
        WITH page ({columns}) AS ({entries_sql}),
        numbered AS (
            SELECT page.*, ROW_NUMBER() OVER (ORDER BY page.xid, page.id) AS n FROM page
        ),
        marked AS (
            SELECT numbered.*,
                   MAX(CASE WHEN n <= %s THEN n END) OVER (PARTITION BY claim_id) AS claims_last
            FROM numbered
        )
        SELECT {page_columns}, page.n,
               CASE WHEN page.n = page.claims_last THEN (
                   SELECT stored.document FROM {quote(PublishedClaim._meta.db_table)} stored
                   WHERE stored.claim_id = page.claim_id
               ) END
        FROM marked page
        -- An earlier entry of a claim changed in the page says nothing its last one does not.
        WHERE page.n = page.claims_last OR page.claim_id IS NULL OR page.n >= %s
        ORDER BY page.n
    """
    with connections[rows.db].cursor() as cursor:
        if connections[rows.db].vendor == "postgresql":
            # The documents as the bytes PostgreSQL sends (UTF-8): decoded into text here
            # only to be encoded again by the renderer, they would cost the page half its
            # time. Only `text` columns load so; the entries' are varchar.
            cursor.cursor.adapters.register_loader("text", StoredBytes)
        cursor.execute(sql, (*params, size, size))
        fetched = cursor.fetchall()
    # The ORM's conversions of the entries' columns (times on SQLite, the changes' JSON).
    converted = compiler.results_iter(results=[fetched], tuple_expected=True)
    entries, documents, has_more = [], {}, False
    for *columns, n, document in converted:
        if n > size:
            has_more = True
            break
        entry = FeedEntry(*columns)
        entries.append(entry)
        if document is not None:
            documents[entry.claim_id] = document
    return entries, has_more, documents


class StoredBytes(Loader):
    """A text column as its UTF-8 bytes (a stored document, for an orjson fragment)."""

    def load(self, data) -> bytes:
        return bytes(data)


def reads_published(reader: roles.AnyUser) -> bool:
    """Whether `reader` sees what every anonymous reader sees: served from the read model."""
    return not reader.is_authenticated


def changes(
    reader: roles.AnyUser, latest: dict[int, dt.datetime], shown: dict[int, object]
) -> list[dict]:
    """Each claim of `latest` as `reader` sees it now (`shown`, by id), or its tombstone."""
    ids = list(latest)
    gone = ever_visible([pk for pk in ids if pk not in shown], reader)
    withdrawn = corrections.latest_withdrawals(sorted(gone), reader)
    results = []
    for pk, at in latest.items():
        if pk in shown:
            results.append(
                {"kind": "claim", "id": pk, "action": "upsert", "at": iso(at), "claim": shown[pk]}
            )
        elif pk in gone:
            results.append(
                {
                    "kind": "claim",
                    "id": pk,
                    "action": "delete",
                    "at": iso(at),
                    "claim": None,
                    "withdrawn": withdrawn.get(pk),
                }
            )
    return results
