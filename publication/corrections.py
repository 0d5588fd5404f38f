"""The corrections log: what the newsroom withdrew or corrected in public, read from the
journal's public entries only (so nothing a reader of published material may not read, and
never an editor's comment on a return).

Three kinds of correction:
- *retracted*: a published assessment withdrawn (`retracted`, with its public reason);
- *removed*: a claim with a published assessment removed (`deleted` on the claim, with its
  reason);
- *corrected*: published work edited or reverted, with the reason the edit required.

The first two are withdrawals: `withdrawal` gives, for an entry, the `{as, at, reason}` that
the change feed's tombstones and a withdrawn claim's public URLs state. A third withdrawal
is not in the log: a published assessment returned to its author (*unpublished*), stated
without the editor's comment, which is for the author."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery

from accounts import roles
from annotations import visibility
from annotations.models import Claim
from journal.models import Entry
from publication.representations import iso

# (kind, action) of the entries that withdraw something, and what they withdraw it as.
WITHDRAWALS = {("annotation", "retracted"): "retracted", ("claim", "deleted"): "removed"}
# A published annotation returned to its author: its entry is public (it was published), its
# reason the editor's comment to the author, never stated in public.
UNPUBLISHED = ("annotation", "returned")
# Withdrawals after which a claim is gone (410) rather than on its way back (404).
GONE = ("retracted", "removed")
# Edits of published work: journaled in public, with a reason.
EDITS = ("edited", "reverted")
EDITED_KINDS = ("claim", "annotation")
# What a row of `entries()` holds.
FIELDS = ("id", "at", "kind", "object_id", "claim_id", "action", "reason", "claim_text")


def correcting() -> Q:
    """The condition on journal entries that correct the public record."""
    withdrawals = Q()
    for kind, action in WITHDRAWALS:
        withdrawals |= Q(kind=kind, action=action)
    edits = Q(kind__in=EDITED_KINDS, action__in=EDITS) & ~Q(reason="")
    return Q(public=True, claim_id__isnull=False) & (withdrawals | edits)


def entries():
    """Every correction, newest first, as rows of FIELDS (the claim's wording joined in, the
    claim removed or not): one query, to page."""
    wording = Claim.objects.filter(pk=OuterRef("claim_id")).values("text")[:1]
    return (
        Entry.objects.filter(correcting())
        .annotate(claim_text=Subquery(wording))
        .order_by("-at", "-id")
        .values(*FIELDS)
    )


def kind_of(entry: Mapping) -> str:
    """Which correction an entry is: one of "retracted", "removed" or "corrected"."""
    return WITHDRAWALS.get((entry["kind"], entry["action"]), "corrected")


def withdrawal(entry: Mapping) -> dict | None:
    """What a withdrawing entry states in public — `{as, at, reason}`, the reason as the
    visibility policy states it in public (none for a return) —, None for another."""
    key = (entry["kind"], entry["action"])
    if key == UNPUBLISHED and entry.get("public"):
        withdrawn_as = "unpublished"
    else:
        withdrawn_as = WITHDRAWALS.get(key)
    if withdrawn_as is None:
        return None
    reason = visibility.public_reason(entry["kind"], entry["action"], entry["reason"])
    return {"as": withdrawn_as, "at": iso(entry["at"]), "reason": reason}


def withdrawing() -> Q:
    """The condition on journal entries that withdraw something from public: retractions,
    removals of claims with a published assessment, and returns of published assessments."""
    condition = Q(kind=UNPUBLISHED[0], action=UNPUBLISHED[1])
    for kind, action in WITHDRAWALS:
        condition |= Q(kind=kind, action=action)
    return Q(public=True, claim_id__isnull=False) & condition


def withdrawing_entries(claim_ids: list[int], reader: roles.AnyUser):
    """The withdrawals of these claims that `reader` may read in their history, oldest first
    (a query of journal entries)."""
    return Entry.objects.filter(
        withdrawing(), visibility.entries(reader), claim_id__in=claim_ids
    ).order_by("at", "id")


def withdrawals(claim_ids: list[int], reader: roles.AnyUser) -> dict[int, list[dict]]:
    """The withdrawals of these claims that `reader` may read in their history, oldest first,
    as rows of FIELDS, `claim_language`, `claim_removed` and `public`, by claim id (one
    query; a claim with none is left out)."""
    if not claim_ids:
        return {}
    claim = Claim.objects.filter(pk=OuterRef("claim_id"))
    rows = (
        withdrawing_entries(claim_ids, reader)
        .annotate(
            claim_text=Subquery(claim.values("text")[:1]),
            claim_language=Subquery(claim.values("language")[:1]),
            claim_removed=Exists(claim.filter(deleted_at__isnull=False)),
        )
        .values(*FIELDS, "claim_language", "claim_removed", "public")
    )
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row["claim_id"], []).append(row)
    return found


def latest_withdrawals(claim_ids: list[int], reader: roles.AnyUser) -> dict[int, dict]:
    """Each claim's last withdrawal that `reader` may read, as `{as, at, reason}`, by claim
    id (one query, of the entries' own columns only): why it left the public record, for the
    change feed's tombstones."""
    if not claim_ids:
        return {}
    rows = withdrawing_entries(claim_ids, reader).values(
        "claim_id", "at", "kind", "action", "reason", "public"
    )
    # Oldest first: each claim's last row is the one kept.
    return {row["claim_id"]: withdrawal(row) for row in rows}


@dataclass(frozen=True)
class Gone:
    """A claim withdrawn from public for good (its last withdrawal a retraction or removal):
    what its public addresses answer instead of the claim."""

    claim_id: int
    claim_text: str
    claim_language: str
    withdrawn: dict  # the last withdrawal, {as, at, reason}
    notices: list[dict]  # every retraction and removal of it, oldest first, rows of FIELDS
    removed: bool  # removed since, even quietly (after its last assessment was retracted)

    @property
    def status(self) -> str:
        return self.withdrawn["as"]


def gone(claim_id: int, reader: roles.AnyUser) -> Gone | None:
    """Claim `claim_id` as withdrawn, for a `reader` who may not see it: None when it was never
    public to them (or does not exist), or when its last withdrawal returned it to its author
    (unpublished: on its way back, so not gone). One query."""
    rows = withdrawals([claim_id], reader).get(claim_id)
    if not rows:
        return None
    last = withdrawal(rows[-1])
    if last["as"] not in GONE:
        return None
    notices = [row for row in rows if kind_of(row) in GONE]
    return Gone(
        claim_id=claim_id,
        claim_text=rows[-1]["claim_text"],
        claim_language=rows[-1]["claim_language"],
        withdrawn=last,
        notices=notices,
        removed=rows[-1]["claim_removed"],
    )
