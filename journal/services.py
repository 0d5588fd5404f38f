"""Writing the journal. The archive's and the annotations' services call `record` inside
their own transactions, so an entry exists exactly when its write is committed."""

from collections.abc import Iterable, Mapping

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.actors import Actor, is_system
from core import replica

from .context import request_id
from .models import Entry

# The writing transaction's id (xid8 as a number); assigned on its first write.
CURRENT_XID = "pg_current_xact_id()::text::bigint"


def changes(before: Mapping[str, object], after: Mapping[str, object]) -> list[dict]:
    """The fields whose value differs between `before` and `after` (a field missing from
    `before` was None), as {"field", "from", "to"} in `after`'s order."""
    return [
        {"field": field, "from": before.get(field), "to": value}
        for field, value in after.items()
        if before.get(field) != value
    ]


def entry(
    *,
    actor: Actor,
    kind: str,
    object_id: int,
    action: str,
    changes: Iterable[dict] = (),
    claim_id: int | None = None,
    owner_id: int | None = None,
    public: bool = False,
    version: int | None = None,
    from_version: int | None = None,
    reason: str = "",
) -> Entry:
    """An unsaved entry for `record_all`."""
    return Entry(
        at=timezone.now(),
        kind=kind,
        object_id=object_id,
        claim_id=claim_id,
        action=action,
        version=version,
        from_version=from_version,
        actor=None if is_system(actor) else actor,
        actor_name=actor.name if is_system(actor) else actor.get_username(),
        request_id=request_id.get(),
        reason=reason,
        changes=list(changes),
        public=public,
        owner_id=owner_id,
        xid=RawSQL(CURRENT_XID, ()) if connection.vendor == "postgresql" else 0,
    )


def record(**details) -> Entry:
    """Record one write (the arguments of `entry`); the caller holds the transaction."""
    stored = entry(**details)
    stored.save()
    replica.note_write()
    return stored


def record_all(entries: list[Entry]) -> None:
    """Record many writes at once (imports, re-anchoring); the caller holds the
    transaction."""
    Entry.objects.bulk_create(entries)
    if entries:
        replica.note_write()
