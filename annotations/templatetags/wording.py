"""Words for people instead of internal numbers: `{% load wording %}` gives
`{{ annotation.version|changes }}` ("changed twice") and `{{ code|language_name }}` ("French")."""

from django import template

from archive.models import language_name

register = template.Library()

register.filter("language_name", language_name)

_TIMES = {1: "once", 2: "twice"}


@register.filter
def changes(version: int) -> str:
    """How often an annotation was saved after it was created, from its version number: "not
    changed since", "changed once", "changed twice", "changed 5 times"."""
    count = max(int(version or 1) - 1, 0)
    if count == 0:
        return "not changed since"
    return f"changed {_TIMES.get(count, f'{count} times')}"
