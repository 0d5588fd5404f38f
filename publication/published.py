"""The published read model: each claim an anonymous reader may see, stored ready-made as the
exact JSON of `GET /api/claims/<id>/` for that reader (`PublishedClaim`), so that the lists,
the detail, the export and the change feed serve anonymous readers and read-only tokens by
joining stored text, with no model instance and no serializer.

It is written in the transaction of every change that affects it, and follows the journal
alone: the journal calls `refresh_for_entries` with each batch of entries it records
(registered in `PublicationConfig.ready`), and the services record after their write. Which
claims an entry touches is `representations.claims_affected_by`: an entry about a claim, its
appearances, annotations, evidence or assignments refreshes that claim; one about a tag, an
article, a source or a person whose shown fields changed refreshes every stored claim that
shows it, in batches.
`rebuild` (the `rebuild_published` command) recomputes everything, and `differences` compares
what is stored with the live representation."""

import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, partial

import orjson
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections, router, transaction
from django.db.models import F

from annotations.models import Claim, PublishedClaim
from journal.models import Entry
from publication.representations import CLAIM_FIELDS, claim_rows_data, claims_affected_by

# Whom the read model is for: anonymous readers (and read-only tokens, which see the same).
READER = AnonymousUser()
# Claims refreshed per round of queries (a tag or source rename may touch many).
BATCH_SIZE = 1000
# From this many documents at once, PostgreSQL stores them with COPY.
COPY_FROM = 100


def render(claim: dict) -> str:
    """A claim's representation as stored: the bytes the API's renderer writes (orjson), as
    text."""
    return orjson.dumps(claim).decode()


def live_documents(claim_ids: Iterable[int]) -> dict[int, str]:
    """The current anonymous representation of those of `claim_ids` an anonymous reader may
    see, by claim id (five queries)."""
    claims = list(
        Claim.objects.visible_to(READER)
        .filter(pk__any=list(claim_ids))
        .order_by()
        .values(*CLAIM_FIELDS)
    )
    return {claim["id"]: render(claim) for claim in claim_rows_data(claims, READER)}


def _batches(ids: Iterable[int], size: int = BATCH_SIZE) -> Iterator[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def refresh(claim_ids: Iterable[int]) -> None:
    """Store the current representation of these claims, and remove those an anonymous
    reader may no longer see; in batches of BATCH_SIZE claims, in the caller's transaction.

    The claims are locked first (FOR NO KEY UPDATE, in id order), so two transactions
    refreshing the same claim take turns: the second reads what the first committed, and
    never stores a document that misses it. Inserting rows that refer to the claim is not
    blocked."""
    with transaction.atomic(savepoint=False):
        for batch in _batches(claim_ids):
            _lock(batch)
            _store(batch, live_documents(batch))


def _lock(batch: list[int]) -> None:
    list(
        Claim.objects.filter(pk__any=batch)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )


def _store(batch: list[int], documents: dict[int, str]) -> None:
    """Store `documents` and remove the rows of the other claims of `batch`."""
    if connection.vendor == "postgresql" and len(documents) >= COPY_FROM:
        # Many documents (a rebuild, a rename): replace the batch's rows, the new ones through
        # COPY, several times faster than an upsert binding every document as a parameter.
        PublishedClaim.objects.filter(claim_id__any=batch).delete()
        with connection.cursor() as cursor:
            copy_sql = f"COPY {PublishedClaim._meta.db_table} (claim_id, document) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for row in documents.items():
                    copy.write_row(row)
        return
    gone = [pk for pk in batch if pk not in documents]
    if gone:
        PublishedClaim.objects.filter(claim_id__any=gone).delete()
    if documents:
        PublishedClaim.objects.bulk_create(
            [PublishedClaim(claim_id=pk, document=doc) for pk, doc in documents.items()],
            update_conflicts=True,
            unique_fields=["claim"],
            update_fields=["document"],
        )


def _leaves_unpublished(entry: Entry) -> bool:
    """Whether `entry` says, by itself, that its claim has nothing published and no stored
    document after it, so that refreshing the claim would read nothing and delete nothing:
    - a claim created: new in this transaction, it has no annotation yet;
    - an appearance marked on a claim that has no published annotation (`public` False):
      the service locks the claim's row (updating it) before it asks, so a publication
      committed meanwhile is seen, and one committed later refreshes after this write.
    Nothing else is read from an entry: a draft annotation may belong to a published claim."""
    return (entry.kind, entry.action) == ("claim", "created") or (
        (entry.kind, entry.action) == ("appearance", "created") and not entry.public
    )


def refresh_for_entries(entries: Sequence[Entry]) -> None:
    """The journal's listener: refresh the stored claims these just-recorded writes touched
    (`claims_affected_by`; of the claims showing a tag, article, source or person, only
    those stored), except the claims that every entry of the batch about them leaves
    unpublished (`_leaves_unpublished`): marking a new claim costs no refresh."""
    affected = claims_affected_by(entries, among=claims())
    claim_ids = set().union(*affected)
    dormant = {entry.claim_id for entry in entries if _leaves_unpublished(entry)}
    if dormant:
        dormant -= {
            claim_id
            for entry, touched in zip(entries, affected, strict=True)
            if not _leaves_unpublished(entry)
            for claim_id in touched
        }
        claim_ids -= dormant
    if claim_ids:
        refresh(claim_ids)


# Reading


def claims():
    """The claims the read model holds (those an anonymous reader may see), to filter and
    order like any claim queryset before `documents`."""
    return _held().all()


# Built once: resolving the join costs more than cloning it, on every public read. (A
# queryset is cloned by each method called on it, so the one kept here never changes.)
@cache
def _held():
    return Claim.objects.filter(publication__isnull=False)


@cache
def _held_documents():
    return _held().values_list("publication__document", flat=True)


# Keys of a `documents` row: the list's ordering fields (the cursor reads the first) and the
# stored representation.
DOCUMENT_ROW = ("id", "updated_at", "created_at")


def documents(claims):
    """`claims` (from `claims()`, filtered) as rows of their ordering fields and stored
    `document`, read in the same query."""
    return claims.values(*DOCUMENT_ROW, document=F("publication__document"))


def document():
    """The stored representations as a queryset of texts, to `get(pk=…)` one."""
    return _held_documents().all()


def stored_documents(claim_ids: Iterable[int]) -> dict[int, str]:
    """The stored representation of those of `claim_ids` the read model holds, by id."""
    return dict(
        PublishedClaim.objects.filter(claim_id__any=list(claim_ids)).values_list(
            "claim_id", "document"
        )
    )


# The whole export from PostgreSQL's COPY, in CSV with a delimiter and a quote character that
# a stored document never holds (compact JSON writes every control character escaped): each
# document comes as it is stored, one row per message, ended by "\n" — the export's line.
# (The text format would double each backslash.) A document holding one of those characters
# would come quoted, and is unquoted (`_unquoted`).
EXPORT_QUOTE = b"\x02"
EXPORT_COPY_SQL = (
    f"COPY (SELECT document FROM {PublishedClaim._meta.db_table} ORDER BY claim_id) TO STDOUT "
    "(FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
)


def export_all_lines(chunk_size: int = 2000) -> Iterator[bytes]:
    """Every stored document, oldest claim first, as JSON Lines in chunks of `chunk_size`
    claims: the bytes of `export_lines(claims())`, several times faster on PostgreSQL, where
    COPY sends the documents ready to write (the rows are joined, not decoded). Reads from the
    database the request reads from (the replica for anonymous readers), chosen when the
    stream starts, as a queryset would. Elsewhere, `export_lines`."""
    using = router.db_for_read(PublishedClaim)
    if connections[using].vendor != "postgresql":
        yield from export_lines(claims().using(using), chunk_size)
        return
    with connections[using].cursor() as cursor, cursor.copy(EXPORT_COPY_SQL) as copy:
        rows: list = []
        finished = False
        try:
            for row in copy:
                rows.append(row)
                if len(rows) == chunk_size:
                    yield _unquoted(rows)
                    rows = []
            if rows:
                yield _unquoted(rows)
            finished = True
        finally:
            if not finished and not connections[using].in_atomic_block:
                # The stream was closed early (the client went away): stop the COPY rather
                # than read the rest of the corpus to end it. (In a transaction, cancelling
                # would abort it: the rest is read instead.)
                cursor.connection.cancel_safe()


def _unquoted(rows: list) -> bytes:
    """COPY's CSV rows (one document each, "\n"-ended) as the export's lines."""
    chunk = b"".join(rows)
    if EXPORT_QUOTE not in chunk:
        return chunk
    return b"".join(
        bytes(row)[1:-2].replace(EXPORT_QUOTE * 2, EXPORT_QUOTE) + b"\n"
        if bytes(row[:1]) == EXPORT_QUOTE
        else bytes(row)
        for row in rows
    )


def export_lines(claims, chunk_size: int = 2000) -> Iterator[bytes]:
    """The stored documents of `claims` (from `claims()`, filtered), oldest id first, as JSON
    Lines in chunks of `chunk_size` claims: a server-side cursor on PostgreSQL, so memory
    stays flat whatever the size of the corpus."""
    texts = (
        claims.order_by("pk")
        .values_list("publication__document", flat=True)
        .iterator(chunk_size=chunk_size)
    )
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == chunk_size:
            yield ("\n".join(chunk) + "\n").encode()
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode()


# Rebuilding and checking


@dataclass
class Differences:
    """How the stored read model differs from the live representation."""

    missing: list[int] = field(default_factory=list)  # visible, not stored
    stale: list[int] = field(default_factory=list)  # stored, but not as it now reads
    extra: list[int] = field(default_factory=list)  # stored, no longer visible

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.extra)

    def __len__(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.extra)

    def add(self, other: "Differences") -> None:
        self.missing += other.missing
        self.stale += other.stale
        self.extra += other.extra


def _compare(batch: list[int]) -> tuple[Differences, dict[int, str]]:
    live = live_documents(batch)
    stored = stored_documents(batch)
    found = Differences(
        missing=[pk for pk in live if pk not in stored],
        stale=[pk for pk in live if pk in stored and stored[pk] != live[pk]],
        extra=[pk for pk in stored if pk not in live],
    )
    return found, live


def claim_id_batches(batch_size: int = BATCH_SIZE) -> Iterator[list[int]]:
    """Every claim's id (deleted ones too: they may have left a stored row), in batches."""
    last = 0
    while True:
        batch = list(
            Claim.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def _check_batch(batch: list[int]) -> Differences:
    return _compare(batch)[0]


def _rebuild_batch(batch: list[int]) -> Differences:
    with transaction.atomic():
        _lock(batch)
        found, live = _compare(batch)
        if found:
            changed = {*found.missing, *found.stale, *found.extra}
            _store(sorted(changed), {pk: live[pk] for pk in changed if pk in live})
    return found


def _each_batch(
    work: Callable[[list[int]], Differences],
    batch_size: int,
    progress: Callable[[int], None],
    jobs: int,
) -> Differences:
    """`work` on every batch of claim ids, in `jobs` processes on PostgreSQL (each with its own
    connection; building documents is mostly Python, so processes overlap it with the
    database's share)."""
    total = Differences()
    batches = claim_id_batches(batch_size)
    if jobs > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        # The workers are forked: none may inherit an open connection.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for found, count in pool.imap_unordered(partial(_in_worker, work), batches):
                total.add(found)
                progress(count)
        return total
    for batch in batches:
        total.add(work(batch))
        progress(len(batch))
    return total


def _in_worker(work, batch: list[int]) -> tuple[Differences, int]:
    return work(batch), len(batch)


def differences(
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] = lambda n: None,
    jobs: int = 1,
) -> Differences:
    """Compare every stored document with the live anonymous representation."""
    return _each_batch(_check_batch, batch_size, progress, jobs)


def rebuild(
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] = lambda n: None,
    jobs: int = 1,
) -> Differences:
    """Make the read model equal to the live representation, batch by batch (each in its own
    transaction), writing only what differs; returns what was fixed. Running it again finds
    nothing to fix."""
    return _each_batch(_rebuild_batch, batch_size, progress, jobs)
