"""The tag vocabulary in the reader's language: `{% load vocabulary %}` gives `{{ tag|label }}`
and `{{ tag|description }}`, for a Tag or a tag's representation (a dict with `labels`), in
the active language when the tag has it, else in the default one."""

from collections.abc import Mapping

from django import template

from annotations.models import Tag, translated

register = template.Library()


@register.filter
def label(tag: Tag | Mapping) -> str:
    if isinstance(tag, Tag):
        return tag.label_in()
    return translated(tag["label"], tag.get("labels") or {})


@register.filter
def description(tag: Tag) -> str:
    return tag.description_in()
