"""What the public pages put in their <head> for readers and search engines: `{% load
public_record %}` gives `{{ document|json_ld }}` (a JSON-LD <script> block) and
`{{ language_code|og_locale }}` (Open Graph's `fr_FR`)."""

import json

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# Inside <script> only "</script" (and "<!--") can end or confuse the block; escaping every
# <, > and & keeps any text a claim holds inert, and JSON parsers read \u003C back as <.
JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
# The Open Graph locale of each interface language.
OG_LOCALES = {"en": "en_US", "fr": "fr_FR"}


@register.filter
def json_ld(document: dict) -> str:
    """`document` as a JSON-LD data block. The CSP does not apply: a script element of a
    non-JavaScript type is data the browser never runs, so it needs no nonce."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")).translate(JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.filter
def og_locale(language_code: str) -> str:
    return OG_LOCALES.get(language_code, language_code)
