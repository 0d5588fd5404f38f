"""The tag vocabulary, its patterns (which phrases suggest a tag) and capture-level tags."""

import re
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from archive.models import Capture
from core.exceptions import Conflict
from journal import services as journal

from .. import rules
from ..models import Annotation, Appearance, Tag, TagPattern
from ._versions import tags_named
from .assessments import create_annotation, update_annotation
from .claims import mark_claim


@transaction.atomic
def save_tag(
    *,
    user: User,
    slug: str,
    label: str,
    description: str = "",
    category: str = "",
    labels: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
    tag: Tag | None = None,
) -> Tag:
    """Create a tag, or change `tag`; editors curate the vocabulary. `labels` and
    `descriptions` are the translations by language code (all of them: a language left out
    or blank has none); an entry for the default language replaces `label`/`description`.
    None keeps the tag's translations."""
    rules.require(rules.can_curate_tags(user), _("Only editors curate the tag vocabulary."))
    created = tag is None
    tag = tag or Tag()
    before = {} if created else _tag_state(tag)
    label, tag.labels = _translations(label, tag.labels if labels is None else labels)
    description, tag.descriptions = _translations(
        description, tag.descriptions if descriptions is None else descriptions
    )
    tag.slug, tag.label, tag.description, tag.category = slug, label, description, category
    tag.full_clean()
    tag.save()
    action = "created" if created else "edited"
    journal.record_change(user, "tag", tag, action, before, _tag_state(tag), public=True)
    return tag


def tag_in_use(tag: Tag) -> str:
    """Why `tag` cannot be removed: how many annotations use it and what to do instead ("" when
    none does)."""
    used = tag.annotations.count()
    if not used:
        return ""
    return ngettext(
        "“%(tag)s” is used by %(count)d annotation: rename it instead, or take it off that "
        "annotation first.",
        "“%(tag)s” is used by %(count)d annotations: rename it instead, or take it off those "
        "annotations first.",
        used,
    ) % {"tag": tag.label, "count": used}


@transaction.atomic
def delete_tag(*, user: User, tag: Tag) -> None:
    """Remove a tag no annotation uses; editors curate the vocabulary. A tag in use is
    refused (Conflict, saying `tag_in_use`): renaming it (`save_tag`) is followed by every
    claim showing it, whereas a removal would take it off annotations, published ones
    included, without their authors' say."""
    rules.require(rules.can_curate_tags(user), _("Only editors curate the tag vocabulary."))
    refusal = tag_in_use(tag)
    if refusal:
        raise Conflict(refusal)
    # Made before the row is deleted, which takes its id.
    deleted = journal.change(user, "tag", tag, "deleted", _tag_state(tag), None, public=True)
    tag.delete()
    journal.record_all([deleted])


def _translations(default: str, texts: Mapping[str, str]) -> tuple[str, dict]:
    """The default language's text (from `texts` if it names it) and the other languages'
    non-blank texts, in code order."""
    texts = dict(texts)
    default = texts.pop(settings.LANGUAGE_CODE, None) or default
    kept = {
        language: text.strip() if isinstance(text, str) else text
        for language, text in sorted(texts.items())
        if not isinstance(text, str) or text.strip()
    }
    return default, kept


def _tag_state(tag: Tag) -> dict:
    # Copies: the dicts are replaced, never changed in place, but a state must not follow them.
    return journal.state(
        tag,
        "slug",
        "label",
        "description",
        "category",
        labels=dict(tag.labels),
        descriptions=dict(tag.descriptions),
    )


def _record_patterns(user: User, tag: Tag, before: list[str], reason: str = "") -> None:
    """Journal a change of `tag`'s patterns, as the list of "language: phrase" before and
    after."""
    patterns = {"patterns": before}, {"patterns": _patterns_of(tag)}
    journal.record_change(user, "tag", tag, "edited", *patterns, public=True, reason=reason)


def _patterns_of(tag: Tag) -> list[str]:
    return [
        f"{language}: {phrase}"
        for language, phrase in tag.patterns.order_by("language", "phrase").values_list(
            "language", "phrase"
        )
    ]


@transaction.atomic
def save_tag_pattern(
    *, user: User, tag: Tag, language: str, phrase: str, pattern: TagPattern | None = None
) -> TagPattern:
    """Create a pattern suggesting `tag` in `language`, or change `pattern`; editors curate
    the patterns with the vocabulary. Journaled as a change of the tag's patterns."""
    rules.require(rules.can_curate_tags(user), _("Only editors curate the tag patterns."))
    before = _patterns_of(tag)
    pattern = pattern or TagPattern()
    pattern.tag, pattern.language, pattern.phrase = tag, language, phrase
    pattern.full_clean()
    pattern.save()
    _record_patterns(user, tag, before)
    return pattern


@transaction.atomic
def delete_tag_pattern(*, user: User, pattern: TagPattern) -> None:
    rules.require(rules.can_curate_tags(user), _("Only editors curate the tag patterns."))
    tag = pattern.tag
    before = _patterns_of(tag)
    pattern.delete()
    _record_patterns(user, tag, before)


@transaction.atomic
def tag_capture(*, user: User, capture: Capture, tag: Tag | str, rationale: str) -> Annotation:
    """Apply a capture-level tag (e.g. `spun-or-garbled-text`) to the capture's claim: the
    claim marked on its first line, the headline (marked now if it is not yet). The tag is
    added to the user's annotation of that claim, created as a draft if they have none."""
    rules.require(rules.can_annotate(user), _("Only journalists and editors tag captures."))
    (tag,) = tags_named([tag])
    first_line = next((m for m in re.finditer(r"[^\n]*\S[^\n]*", capture.text)), None)
    if first_line is None:
        raise ValidationError(_("This capture has no text to mark."))
    start = first_line.start() + len(first_line.group()) - len(first_line.group().lstrip())
    quote = first_line.group().strip()
    end = start + len(quote)
    appearance = (
        Appearance.objects.filter(capture=capture, start=start, end=end, claim__deleted_at=None)
        .select_related("claim")
        .first()
    )
    if appearance is None:
        appearance, _created = mark_claim(
            user=user, capture=capture, start=start, end=end, quote=quote
        )
    claim = appearance.claim
    annotation = Annotation.objects.authored_by(user).filter(claim=claim).first()
    if annotation is None:
        return create_annotation(
            user=user, claim=claim, confidence="0.5", tags=[tag], rationale=rationale
        )
    if annotation.tags.filter(pk=tag.pk).exists():
        return annotation
    return update_annotation(
        user=user,
        annotation=annotation,
        tags=[*annotation.tags.all(), tag],
        expected_version=annotation.version,
    )
