"""History as the pages show it: journal events with their changes in sentences, without
field names ("marked at characters 1392–1532", "confidence 60 % → 70 %", tags added and
removed, texts as a word diff), and how often an annotation was edited."""

from collections.abc import Iterable

from django.db.models import Count
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, pgettext_lazy

from accounts import roles
from annotations import visibility
from annotations.models import Annotation, Appearance, Evidence
from archive.diff import diff_texts
from archive.models import language_name
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
    "source_edited": pgettext_lazy("history action", "source edited"),
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
    "evidence": pgettext_lazy("history field", "evidence"),
    "language": pgettext_lazy("history field", "language"),
    "title": pgettext_lazy("history field", "title"),
    "stance": pgettext_lazy("history field", "stance"),
    "label": pgettext_lazy("history field", "label"),
    "description": pgettext_lazy("history field", "description"),
    "category": pgettext_lazy("history field", "category"),
    "name": pgettext_lazy("history field", "name"),
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
# Where an object was created with these, they are its defaults, not news.
QUIET_ON_CREATION = {"status", "anchor_status", "anchor_method", "anchor_score"}
# The journal actions that change an annotation's assessment: what "changed twice" counts.
EDIT_ACTIONS = ("edited", "reverted")


def readable_changes(changes: list[dict]) -> list[dict]:
    """An event's {"field", "from", "to"} changes as the template shows them, in sentences
    without field names: `kind` is "sentence" (`text`), "diff" (`label`, `html`), "tags"
    (`added`, `removed`) or "sentence-diff" (`text`, `html`). A span's start and end make one
    sentence; a claim's new source edits one each."""
    by_field = {change["field"]: change for change in changes}
    shown = []
    if "start" in by_field and "end" in by_field:
        start, end = by_field.pop("start"), by_field.pop("end")
        shown.append(_sentence(_span(start["from"], end["from"], start["to"], end["to"])))
    for field, change in by_field.items():
        old, new = change["from"], change["to"]
        if old is None and field in QUIET_ON_CREATION:
            continue
        if field == "source_edits":
            shown += source_edit_sentences(old or [], new or [])
            continue
        shown.append(readable_change(field, old, new))
    return shown


def source_edit_sentences(old: list[dict], new: list[dict]) -> list[dict]:
    """The source edits `new` adds to `old`, in plain words: the sentence reworded (as a word
    diff) or removed, in which capture."""
    shown = []
    for edit in new[len(old) :]:
        if edit["change"] == "removed":
            shown.append(
                _sentence(
                    gettext(
                        "the article no longer has the sentence the claim was checked in "
                        "(capture %(number)s): “%(text)s”"
                    )
                    % {"number": edit["capture"], "text": edit["before"]}
                )
            )
        else:
            shown.append(
                {
                    "kind": "sentence-diff",
                    "text": gettext(
                        "the article reworded the sentence the claim was checked in "
                        "(capture %(number)s):"
                    )
                    % {"number": edit["capture"]},
                    "html": diff_texts(edit["before"], edit["after"]).as_html(),
                }
            )
    return shown


def _sentence(text: str) -> dict:
    return {"kind": "sentence", "text": text}


def _span(old_start, old_end, new_start, new_end) -> str:
    if old_start is None:
        return gettext("marked at characters %(start)s–%(end)s") % {
            "start": new_start,
            "end": new_end,
        }
    return gettext("moved from characters %(old_start)s–%(old_end)s to %(start)s–%(end)s") % {
        "old_start": old_start,
        "old_end": old_end,
        "start": new_start,
        "end": new_end,
    }


def readable_change(field: str, old, new) -> dict:
    """One field's change as a sentence (or a word diff, or tags added and removed)."""
    if field == "tags":
        old, new = old or [], new or []
        return {
            "kind": "tags",
            "added": [t for t in new if t not in old],
            "removed": [t for t in old if t not in new],
        }
    if field in TEXT_FIELDS and isinstance(old, str) and isinstance(new, str) and old:
        label = FIELD_LABELS.get(field, field)
        return {"kind": "diff", "label": label, "html": diff_texts(old, new).as_html()}
    if field in TEXT_FIELDS and new:
        return _sentence(
            gettext("%(what)s: “%(text)s”") % {"what": FIELD_LABELS[field], "text": new}
        )
    if field == "evidence":
        item = new or old
        label = item.get("url") or item.get("document")
        label = label or gettext("archived capture %(number)s") % {"number": item.get("capture")}
        if new is not None:
            return _sentence(gettext("evidence added: %(what)s") % {"what": label})
        return _sentence(gettext("evidence removed: %(what)s") % {"what": label})
    if field == "capture":
        if old is None:
            return _sentence(gettext("in capture %(number)s") % {"number": new})
        return _sentence(
            gettext("moved to capture %(number)s (from capture %(old)s)")
            % {"number": new, "old": old}
        )
    if field == "anchor_score":
        return _sentence(gettext("found again %(score)s alike") % {"score": _percent(new)})
    if field == "anchor_method" and new != Appearance.Method.NONE:
        return _sentence(gettext("found by %(method)s") % {"method": VALUE_LABELS[field][new]})
    if field in ("status", "anchor_status", "anchor_method"):
        labels = VALUE_LABELS[field]
        return _sentence(
            gettext("now %(new)s, was %(old)s")
            % {"new": labels.get(new, new), "old": labels.get(old, old)}
        )
    if field == "language":
        return _values(field, language_name(old or ""), language_name(new or ""))
    if field == "confidence":
        return _values(field, _percent(old), _percent(new))
    labels = VALUE_LABELS.get(field, {})
    return _values(
        field,
        labels.get(old, old) if isinstance(old, str) else old,
        labels.get(new, new) if isinstance(new, str) else new,
    )


def _values(field: str, old, new) -> dict:
    """ "confidence 60 % → 70 %", "verdict: accurate" (when it had none)."""
    what = FIELD_LABELS.get(field, field.replace("_", " "))
    if old in (None, ""):
        return _sentence(gettext("%(what)s: %(new)s") % {"what": what, "new": new})
    if new in (None, ""):
        return _sentence(gettext("%(what)s %(old)s removed") % {"what": what, "old": old})
    return _sentence(gettext("%(what)s %(old)s → %(new)s") % {"what": what, "old": old, "new": new})


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{round(value * 100)} %"


def count_edits(annotations: Iterable[Annotation]) -> None:
    """Set `edits` on each annotation: how often its assessment was edited (or reverted),
    from the journal, in one query. Creation, evidence and review steps are not edits."""
    annotations = list(annotations)
    counts = dict(
        Entry.objects.filter(
            kind="annotation",
            object_id__in=[a.pk for a in annotations],
            action__in=EDIT_ACTIONS,
        )
        .order_by()
        .values_list("object_id")
        .annotate(n=Count("id"))
    )
    for annotation in annotations:
        annotation.edits = counts.get(annotation.pk, 0)


def readable_events(entries: Iterable[dict], user: roles.AnyUser) -> list[dict]:
    """Journal rows (`.values(*EVENT_FIELDS)`) that `user` may read, as the pages show them
    to `user` (the visibility policy's `event_as_read`)."""
    shown = []
    for row in entries:
        item = event(visibility.event_as_read(row, user))
        item["at"] = parse_datetime(item["at"])
        item["kind_label"] = KIND_LABELS.get(item["kind"], item["kind"])
        item["action_label"] = ACTION_LABELS.get(item["action"], item["action"])
        # What an object was created with: its values, not the empty ones.
        item["changes"] = readable_changes(
            [
                change
                for change in item["changes"]
                if change["from"] is not None or change["to"] not in ("", None, [])
            ]
        )
        shown.append(item)
    return shown


def claim_history(claim_id: int, user: roles.AnyUser) -> list[dict]:
    """The events of a claim (and its appearances, annotations, evidence) `user` may read,
    oldest first."""
    entries = Entry.objects.filter(visibility.entries(user), claim_id=claim_id).order_by("id")
    return readable_events(entries.values(*EVENT_FIELDS)[:SHOWN], user)


def annotation_history(annotation_id: int, user: roles.AnyUser) -> list[dict]:
    entries = Entry.objects.about("annotation", annotation_id).filter(visibility.entries(user))
    entries = entries.order_by("id")
    return readable_events(entries.values(*EVENT_FIELDS)[:SHOWN], user)
