"""History as the pages show it: journal events with their changes made readable
(a confidence as 60 % → 70 %, tags added and removed, texts as a word diff)."""

from collections.abc import Iterable

from django.utils.dateparse import parse_datetime

from accounts import roles
from archive.diff import diff_texts
from journal.history import EVENT_FIELDS, event
from journal.models import Entry

# Fields whose values are prose: shown as a word diff.
TEXT_FIELDS = {"text", "rationale", "review_comment", "quote", "claimant", "note"}
# How many events a page shows (the API pages through all of them).
SHOWN = 200


def readable_change(change: dict) -> dict:
    """One {"field", "from", "to"} as the template shows it: `kind` says how."""
    field, old, new = change["field"], change["from"], change["to"]
    if field == "confidence":
        return {"field": field, "kind": "values", "from": _percent(old), "to": _percent(new)}
    if field == "tags":
        old, new = old or [], new or []
        return {
            "field": field,
            "kind": "tags",
            "added": [t for t in new if t not in old],
            "removed": [t for t in old if t not in new],
        }
    if field in TEXT_FIELDS and isinstance(old, str) and isinstance(new, str):
        return {"field": field, "kind": "diff", "html": diff_texts(old, new).as_html()}
    if field == "evidence":
        item = new or old
        label = item.get("url") or item.get("document") or f"capture {item.get('capture')}"
        return {"field": field, "kind": "evidence", "added": new is not None, "label": label}
    return {"field": field, "kind": "values", "from": old, "to": new}


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{round(value * 100)} %"


def readable_events(entries: Iterable[dict]) -> list[dict]:
    shown = []
    for row in entries:
        item = event(row)
        item["at"] = parse_datetime(item["at"])
        # What an object was created with: its values, not the empty ones.
        item["changes"] = [
            readable_change(change)
            for change in item["changes"]
            if change["from"] is not None or change["to"] not in ("", None, [])
        ]
        shown.append(item)
    return shown


def claim_history(claim_id: int, user: roles.AnyUser) -> list[dict]:
    """The events of a claim (and its appearances, annotations, evidence) `user` may read,
    oldest first."""
    entries = Entry.objects.filter(claim_id=claim_id).visible_to(user).order_by("id")
    return readable_events(entries.values(*EVENT_FIELDS)[:SHOWN])


def annotation_history(annotation_id: int, user: roles.AnyUser) -> list[dict]:
    entries = Entry.objects.about("annotation", annotation_id).visible_to(user).order_by("id")
    return readable_events(entries.values(*EVENT_FIELDS)[:SHOWN])
