"""Writing the journal. The archive's and the annotations' services call `record` inside
their own transactions, so an entry exists exactly when its write is committed. Higher layers
that keep something derived from the written objects (the published read model) register a
listener with `on_record`, called with every batch of entries in the same transaction."""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence

from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.actors import Actor, is_system
from core import replica

from .context import request_id
from .models import Entry

# Called with each batch of recorded entries, after the write they describe, in its
# transaction (see `on_record`).
Listener = Callable[[Sequence[Entry]], None]
_listeners: list[Listener] = []


def on_record(listener: Listener, *, first: bool = False) -> None:
    """Call `listener` with the entries of every `record`/`record_all`, inside the writing
    transaction: a higher layer's hook (registered from its AppConfig.ready) that refreshes
    what it derives from the objects written. Services record after their write, so the
    listener reads the new state. Listeners run in the order registered; a `first` one runs
    before all the others, to read what they derive as it was before the write (the
    webhooks compare the published read model before and after)."""
    if listener not in _listeners:
        if first:
            _listeners.insert(0, listener)
        else:
            _listeners.append(listener)


def _notify(entries: Sequence[Entry]) -> None:
    for listener in _listeners:
        listener(entries)


# The writing transaction's id (xid8 as a number); assigned on its first write.
CURRENT_XID = "pg_current_xact_id()::text::bigint"


def state(obj: models.Model, *fields: str, **values: object) -> dict:
    """The journaled state of `obj`'s `fields`, as JSON keeps it: related objects by id,
    times in ISO 8601 (UTC as Z), lists copied, files by name; `values` add or replace
    entries that are not a field's plain value."""
    result: dict = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            value = value.name or None
        elif isinstance(value, dt.datetime):
            value = value.isoformat().replace("+00:00", "Z")
        elif isinstance(field, models.JSONField) and (value is None or isinstance(value, list)):
            value = list(value or [])
        result[name] = value
    return result | values


def changes(before: Mapping[str, object], after: Mapping[str, object]) -> list[dict]:
    """The fields whose value differs between `before` and `after` (a field missing from
    `before` was None), as {"field", "from", "to"} in `after`'s order."""
    return [
        {"field": field, "from": before.get(field), "to": value}
        for field, value in after.items()
        if before.get(field) != value
    ]


def removal(before: Mapping[str, object]) -> list[dict]:
    """The changes of removing an object whose journaled state was `before`: every field to
    None."""
    return changes(before, dict.fromkeys(before))


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


def change(
    actor: Actor,
    kind: str,
    obj: models.Model,
    action: str,
    before: Mapping[str, object],
    after: Mapping[str, object] | None,
    **details,
) -> Entry:
    """An unsaved entry for `action` on `obj` (a `kind`, by its id) that took its journaled
    state from `before` to `after` (None: removed it; make the entry before the delete takes
    the id); `details` are `entry`'s other arguments."""
    changed = removal(before) if after is None else changes(before, after)
    return entry(
        actor=actor, kind=kind, object_id=obj.pk, action=action, changes=changed, **details
    )


def record(**details) -> Entry:
    """Record one write (the arguments of `entry`); the caller holds the transaction."""
    return record_entry(entry(**details))


def record_change(*args, **details) -> Entry:
    """Record one write (the arguments of `change`); the caller holds the transaction."""
    return record_entry(change(*args, **details))


def record_entry(stored: Entry) -> Entry:
    """Record one unsaved entry (from `entry` or `change`); the caller holds the transaction."""
    stored.save()
    _notify([stored])
    replica.note_write()
    return stored


def record_all(entries: list[Entry]) -> None:
    """Record many writes at once (imports, re-anchoring); the caller holds the
    transaction."""
    if len(entries) > 1 and connection.vendor == "postgresql":
        # The transaction's id read once for them all: with no expression in its rows, the
        # insert is one UNNEST of arrays, planned and sent at a fraction of the cost.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {CURRENT_XID}")
            (xid,) = cursor.fetchone()
        for pending in entries:
            if isinstance(pending.xid, RawSQL):
                pending.xid = xid
    Entry.objects.bulk_create(entries)
    _notify(entries)
    if entries:
        replica.note_write()
