"""Which webhook events a batch of journal entries makes, decided in the writing transaction
and stored as deliveries (an outbox), so that nothing is lost if the process dies before a
worker sends them.

The events follow the public record, as the change feed does (`claims_affected_by` says
which claims a batch touched), by comparing each touched claim's published document — the
published read model, exactly what anonymous readers and read-only tokens see — before and
after the batch:
- none before, one after: `claim.published`;
- one before and a different one after: `claim.updated`;
- one before, none after: `claim.withdrawn`, saying how (`withdrawn`, as the feed's
  tombstones and the claim's public URLs state it);
- an entry `claim` / `source_edited` on a claim public after it: `claim.source_edited`.
What the delivery then shows of the claim is decided when it is sent, for the webhook's owner
(`webhooks.delivery`).

`note_public_before` runs before the read model's refresh and `deliveries_for_entries` after
it (WebhooksConfig.ready)."""

import threading
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from journal.context import request_cache
from journal.models import Entry
from publication import corrections, published
from publication.representations import claims_affected_by, iso, shows_change

from .models import Delivery, Event, Webhook
from .tasks import enqueue_delivery

_state = threading.local()
# The request cache's key for whether any webhook receives events.
_RECEIVING = "webhooks.receiving"


def _touches_claims(entries: Sequence[Entry]) -> bool:
    """Whether the batch may touch a claim (without a query): most do not (new articles,
    captures, tokens, webhooks themselves)."""
    return any(entry.claim_id is not None or shows_change(entry) for entry in entries)


def _pending() -> dict:
    """The batch being recorded in this thread, by id, with what was public before it."""
    if not hasattr(_state, "before"):
        _state.before = {}
    return _state.before


def _any_receiving() -> bool:
    """Whether any webhook receives events: asked once per request (a request that writes
    a claim records several batches), and again after a batch about a webhook."""
    cache = request_cache()
    if cache is None:
        return Webhook.objects.receiving().exists()
    if _RECEIVING not in cache:
        cache[_RECEIVING] = Webhook.objects.receiving().exists()
    return cache[_RECEIVING]


def note_public_before(entries: Sequence[Entry]) -> None:
    """The journal's first listener: the published documents of the claims this batch
    touches, as they were before the read model follows it (nothing if no webhook receives
    events)."""
    cache = request_cache()
    if cache is not None and any(entry.kind == "webhook" for entry in entries):
        cache.pop(_RECEIVING, None)
    if not _touches_claims(entries) or not _any_receiving():
        return
    affected = claims_affected_by(entries)
    touched = set().union(*affected)
    # Kept with the batch itself (the same list reaches every listener). Listeners record
    # nothing, so one batch at a time is in flight: a batch whose write failed between the
    # two listeners is forgotten here.
    _state.before = {id(entries): (entries, affected, published.stored_documents(touched))}


def deliveries_for_entries(entries: Sequence[Entry]) -> None:
    """The journal's listener after the read model's refresh: store a delivery of each event
    the batch made for every webhook receiving it, and have a worker send them once the
    transaction commits."""
    noted = _pending().pop(id(entries), None)
    if noted is None or noted[0] is not entries:
        return
    _, affected, before = noted
    after = published.stored_documents(set().union(*affected))
    events = events_of(entries, affected, before, after)
    if not events:
        return
    webhooks = list(Webhook.objects.receiving().only("pk", "events"))
    now = timezone.now()
    deliveries = [
        Delivery(
            webhook=webhook,
            event=event,
            claim_id=claim_id,
            at=at,
            withdrawn=withdrawn,
            next_attempt_at=now,
        )
        for event, claim_id, at, withdrawn in events
        for webhook in webhooks
        if event in webhook.events
    ]
    if not deliveries:
        return
    Delivery.objects.bulk_create(deliveries)
    # bulk_create gives ids on PostgreSQL and SQLite alike.
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: enqueue_delivery(pk))


def events_of(
    entries: Sequence[Entry], affected: Sequence[set[int]], before: dict, after: dict
) -> list[tuple[str, int, object, dict | None]]:
    """(event, claim id, time, withdrawn) of each event the batch made, in claim order:
    `affected` the claims each entry touched, `before` and `after` the published documents
    of those claims by id."""
    last: dict[int, Entry] = {}  # claim id → the batch's last entry touching it
    for entry, claim_ids in zip(entries, affected, strict=True):
        for claim_id in claim_ids:
            last[claim_id] = entry
    events = []
    for claim_id, entry in sorted(last.items()):
        was, now = before.get(claim_id), after.get(claim_id)
        if was is None and now is not None:
            events.append((Event.PUBLISHED, claim_id, entry.at, None))
        elif was is not None and now is not None and was != now:
            events.append((Event.UPDATED, claim_id, entry.at, None))
        elif was is not None and now is None:
            mine = [e for e in entries if e.claim_id == claim_id]
            events.append((Event.WITHDRAWN, claim_id, entry.at, withdrawal(mine or [entry])))
        if now is not None and any(
            e.claim_id == claim_id and (e.kind, e.action) == ("claim", "source_edited")
            for e in entries
        ):
            events.append((Event.SOURCE_EDITED, claim_id, entry.at, None))
    return events


def withdrawal(entries: Sequence[Entry]) -> dict:
    """How a claim left the public record, as the change feed's tombstones say it for the
    same entries (`publication.corrections.withdrawal`, given each entry's `public`):
    retracted or removed with its public reason, or unpublished (a published assessment
    returned, without the editor's comment); else, hidden another way, unpublished."""
    for entry in reversed(entries):
        stated = corrections.withdrawal(
            {
                "kind": entry.kind,
                "action": entry.action,
                "at": entry.at,
                "reason": entry.reason,
                "public": entry.public,
            }
        )
        if stated is not None:
            return stated
    return {"as": "unpublished", "at": iso(entries[-1].at), "reason": ""}
