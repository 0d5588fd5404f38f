"""What a page offers on an annotation: `{{ annotation|transitions_for:user }}` is the set of
actions (`"submit"`, `"publish"`, `"return"`, `"retract"`, `"edit"`…) that the table of
transitions (`annotations.transitions`) lets `user` take on it now; a page shows the button
of each and no other."""

from django import template

from annotations.transitions import available_transitions

register = template.Library()


@register.filter
def transitions_for(annotation, user) -> frozenset[str]:
    return available_transitions(user, annotation)
