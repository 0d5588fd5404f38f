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
joined in without parsing; for others `claims_data`), or a tombstone when the reader can no
longer see it — only if the reader could once (it was published, or theirs, or the reader is
an editor), so a draft-only claim is never revealed. A tombstone says why in `withdrawn`: the
claim's last withdrawal from public (`corrections.withdrawal`: retracted, removed or
unpublished, when, and the public reason), or null when it left the reader's view without
one (a draft removed, an assignment ended)."""

import datetime as dt
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.core import signing
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts import roles
from annotations import visibility
from annotations.models import Claim
from journal.models import Entry
from publication import corrections, published
from publication.representations import SHOWN, claims_affected_by, claims_data, iso

# What a page reads of each entry: its position, its time, and what `claims_affected_by`
# needs to say which claims it touched.
FEED_FIELDS = ("id", "xid", "claim_id", "kind", "object_id", "action", "changes", "at")


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


def settled_entries():
    """Journal entries no running transaction can still precede."""
    entries = Entry.objects.all()
    if connection.vendor == "postgresql":
        entries = entries.filter(
            Q(xid__lt=RawSQL("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", ()))
            # The reader's own writes, when it has any (in a test's transaction).
            | Q(xid=RawSQL("pg_current_xact_id_if_assigned()::text::bigint", ()))
        )
    return entries


def entries_after(position: Position):
    return (
        settled_entries()
        .filter(Q(claim_id__isnull=False) | Q(kind__in=list(SHOWN)))
        .filter(Q(xid__gt=position.xid) | Q(xid=position.xid, id__gt=position.id))
        .order_by("xid", "id")
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
        .values_list("claim_id", flat=True)
        .distinct()
    )


@dataclass
class Page:
    results: list[dict]
    next_since: str
    has_more: bool


def page(reader: roles.AnyUser, position: Position, size: int) -> Page:
    """Up to `size` journal entries after `position`, as one result per claim they changed."""
    entries = list(entries_after(position).only(*FEED_FIELDS)[: size + 1])
    has_more = len(entries) > size
    entries = entries[:size]
    if not entries:
        return Page([], position.issued_now().encode(), False)
    latest: dict[int, dt.datetime] = {}  # claim id → time of its last entry, in feed order
    for entry, claim_ids in zip(entries, claims_affected_by(entries), strict=True):
        for claim_id in sorted(claim_ids):
            latest.pop(claim_id, None)
            latest[claim_id] = entry.at
    last = entries[-1]
    return Page(
        changes(reader, latest),
        Position(last.xid, last.id).issued_now().encode(),
        has_more,
    )


def reads_published(reader: roles.AnyUser) -> bool:
    """Whether `reader` sees what every anonymous reader sees: served from the read model."""
    return not reader.is_authenticated


def changes(reader: roles.AnyUser, latest: dict[int, dt.datetime]) -> list[dict]:
    """Each claim of `latest` as `reader` sees it now, or its tombstone."""
    ids = list(latest)
    shown: dict[int, object]
    if reads_published(reader):
        stored = published.stored_documents(ids)
        shown = {pk: orjson.Fragment(document) for pk, document in stored.items()}
    else:
        visible = Claim.objects.visible_to(reader).with_creator().filter(pk__in=ids)
        shown = {claim["id"]: claim for claim in claims_data(list(visible), reader)}
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
