"""History as the pages show it: journal events with their changes made readable
(a confidence as 60 % → 70 %, tags added and removed, texts as a word diff)."""

from collections.abc import Iterable

from django.utils.dateparse import parse_datetime
from django.utils.translation import pgettext_lazy

from accounts import roles
from annotations import visibility
from annotations.models import Annotation, Appearance, Evidence
from archive.diff import diff_texts
from journal.history import EVENT_FIELDS, event
from journal.models import Entry

# Fields whose values are prose: shown as a word diff.
TEXT_FIELDS = {"text", "rationale", "review_comment", "quote", "claimant", "note"}
# How many events a page shows (the API pages through all of them).
SHOWN = 200

# The journal stores kinds, actions and field names as code words (the API gives them as
# stored); the pages name them in the reader's language. Unknown words are shown as stored.
KIND_LABELS = {
    "annotation": pgettext_lazy("history kind", "annotation"),
    "claim": pgettext_lazy("history kind", "claim"),
    "appearance": pgettext_lazy("history kind", "appearance"),
    "evidence": pgettext_lazy("history kind", "evidence"),
    "tag": pgettext_lazy("history kind", "tag"),
    "source": pgettext_lazy("history kind", "source"),
    "article": pgettext_lazy("history kind", "article"),
    "assignment": pgettext_lazy("history kind", "assignment"),
    "person": pgettext_lazy("history kind", "person"),
}
ACTION_LABELS = {
    "created": pgettext_lazy("history action", "created"),
    "edited": pgettext_lazy("history action", "edited"),
    "deleted": pgettext_lazy("history action", "deleted"),
    "submitted": pgettext_lazy("history action", "submitted"),
    "published": pgettext_lazy("history action", "published"),
    "returned": pgettext_lazy("history action", "returned"),
    "retracted": pgettext_lazy("history action", "retracted"),
    "reverted": pgettext_lazy("history action", "reverted"),
    "re-anchored": pgettext_lazy("history action", "re-anchored"),
    "evidence added": pgettext_lazy("history action", "evidence added"),
    "evidence removed": pgettext_lazy("history action", "evidence removed"),
    "assigned": pgettext_lazy("history action", "assigned"),
    "withdrawn": pgettext_lazy("history action", "withdrawn"),
}
FIELD_LABELS = {
    "text": pgettext_lazy("history field", "wording"),
    "rationale": pgettext_lazy("history field", "rationale"),
    "review_comment": pgettext_lazy("history field", "editor’s comment"),
    "quote": pgettext_lazy("history field", "quote"),
    "claimant": pgettext_lazy("history field", "claimant"),
    "note": pgettext_lazy("history field", "note"),
    "confidence": pgettext_lazy("history field", "confidence"),
    "tags": pgettext_lazy("history field", "tags"),
    "verdict": pgettext_lazy("history field", "verdict"),
    "status": pgettext_lazy("history field", "status"),
    "evidence": pgettext_lazy("history field", "evidence"),
    "language": pgettext_lazy("history field", "language"),
    "title": pgettext_lazy("history field", "title"),
    "stance": pgettext_lazy("history field", "stance"),
    "label": pgettext_lazy("history field", "label"),
    "description": pgettext_lazy("history field", "description"),
    "category": pgettext_lazy("history field", "category"),
    "name": pgettext_lazy("history field", "name"),
    "capture": pgettext_lazy("history field", "capture"),
    "start": pgettext_lazy("history field", "start"),
    "end": pgettext_lazy("history field", "end"),
    "anchor_status": pgettext_lazy("history field", "anchoring"),
    "anchor_method": pgettext_lazy("history field", "anchoring method"),
    "anchor_score": pgettext_lazy("history field", "anchoring score"),
    "assignee": pgettext_lazy("history field", "assignee"),
    "blind": pgettext_lazy("history field", "blind"),
    "show_published": pgettext_lazy("history field", "shows published annotations"),
}
# Fields whose stored values are choices: shown by their labels.
VALUE_LABELS = {
    "status": dict(Annotation.Status.choices),
    "verdict": dict(Annotation.Verdict.choices),
    "anchor_status": dict(Appearance.Status.choices),
    "anchor_method": dict(Appearance.Method.choices),
    "stance": dict(Evidence.Stance.choices),
}


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
    labels = VALUE_LABELS.get(field, {})
    return {
        "field": field,
        "kind": "values",
        "from": labels.get(old, old) if isinstance(old, str) else old,
        "to": labels.get(new, new) if isinstance(new, str) else new,
    }


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{round(value * 100)} %"


def readable_events(entries: Iterable[dict]) -> list[dict]:
    shown = []
    for row in entries:
        item = event(row)
        item["at"] = parse_datetime(item["at"])
        item["kind_label"] = KIND_LABELS.get(item["kind"], item["kind"])
        item["action_label"] = ACTION_LABELS.get(item["action"], item["action"])
        # What an object was created with: its values, not the empty ones.
        item["changes"] = [
            readable_change(change)
            for change in item["changes"]
            if change["from"] is not None or change["to"] not in ("", None, [])
        ]
        for change in item["changes"]:
            change["field_label"] = FIELD_LABELS.get(change["field"], change["field"])
        shown.append(item)
    return shown


def claim_history(claim_id: int, user: roles.AnyUser) -> list[dict]:
    """The events of a claim (and its appearances, annotations, evidence) `user` may read,
    oldest first."""
    entries = Entry.objects.filter(visibility.entries(user), claim_id=claim_id).order_by("id")
    return readable_events(entries.values(*EVENT_FIELDS)[:SHOWN])


def annotation_history(annotation_id: int, user: roles.AnyUser) -> list[dict]:
    entries = Entry.objects.about("annotation", annotation_id).filter(visibility.entries(user))
    entries = entries.order_by("id")
    return readable_events(entries.values(*EVENT_FIELDS)[:SHOWN])
