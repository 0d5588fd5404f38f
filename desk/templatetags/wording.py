"""Words for people instead of internal numbers and codes: `{% load wording %}` gives
`{{ annotation.edits|changes }}` ("changed twice"), `{{ code|language_name }}` ("French")
`{{ annotation.updated_at|ago }}` ("3 minutes ago"), `{{ measure.reason|reason_text }}` and
`{{ suggestion.reason|suggestion_reason }}`, each in the reader's language."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext, pgettext

from agreement.metrics import reason_text
from archive.models import language_name

register = template.Library()

register.filter("language_name", language_name)
register.filter("reason_text", reason_text)


@register.filter
def changes(edits: int | None) -> str:
    """How often an annotation's assessment was edited since it was created (its `edits`,
    counted from the journal by `publication.history.count_edits`; submitting, reviewing or
    adding evidence is no edit): "not changed since", "changed once", "changed twice",
    "changed 5 times"."""
    count = max(int(edits or 0), 0)
    if count == 0:
        return pgettext("annotation", "not changed since")
    if count == 1:
        return pgettext("annotation", "changed once")
    if count == 2:
        return pgettext("annotation", "changed twice")
    return ngettext("changed %(count)d time", "changed %(count)d times", count) % {"count": count}


# The analysis stores why it suggests a sentence as "matches: <phrase>; <phrase>" (the API
# serves it as stored).
MATCHES = "matches: "


@register.filter
def suggestion_reason(reason: str) -> str:
    """A suggestion's reason in the reader's language: the phrases it matches."""
    if reason.startswith(MATCHES):
        return gettext("matches: %(phrases)s") % {"phrases": reason.removeprefix(MATCHES)}
    return reason


@register.filter
def ago(moment: datetime) -> str:
    """How long ago `moment` was: "less than a minute ago", "3 minutes ago", "2 days, 1 hour
    ago" (Django's timesince, two units at most)."""
    if timezone.now() - moment < timedelta(minutes=1):
        return gettext("less than a minute ago")
    return gettext("%(time)s ago") % {"time": timesince(moment)}
