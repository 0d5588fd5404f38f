"""The corrections log: what the newsroom withdrew or corrected in public, read from the
journal's public entries only (so nothing a reader of published material may not read, and
never an editor's comment on a return).

Three kinds of correction:
- *retracted*: a published assessment withdrawn (`retracted`, with its public reason);
- *removed*: a claim with a published assessment removed (`deleted` on the claim, with its
  reason);
- *corrected*: published work edited or reverted, with the reason the edit required.

The first two are withdrawals: `withdrawal` gives, for an entry, the `{as, at, reason}` that
the change feed's tombstones and a withdrawn claim's public URLs state."""

from collections.abc import Mapping

from django.db.models import OuterRef, Q, Subquery

from annotations.models import Claim
from journal.models import Entry
from publication.representations import iso

# (kind, action) of the entries that withdraw something, and what they withdraw it as.
WITHDRAWALS = {("annotation", "retracted"): "retracted", ("claim", "deleted"): "removed"}
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
    """What a withdrawing entry states in public — `{as, at, reason}` —, None for another."""
    withdrawn_as = WITHDRAWALS.get((entry["kind"], entry["action"]))
    if withdrawn_as is None:
        return None
    return {"as": withdrawn_as, "at": iso(entry["at"]), "reason": entry["reason"]}
