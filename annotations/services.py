"""Writes to claims, appearances, annotations, evidence and tags. The web UI, the API, the
admin and the management commands all call these, so every path enforces the same rules
(`annotations.rules`) and records every write in the journal (`journal.services.record`), in
the same transaction."""

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from accounts.actors import REANCHORING, Actor
from archive.models import Capture
from core.exceptions import PreconditionFailed, PreconditionRequired
from journal import services as journal
from journal.models import Entry

from . import rules
from .anchoring import best_fuzzy_score, find_quote
from .models import (
    Annotation,
    Appearance,
    AppearanceAnchor,
    Claim,
    Evidence,
    Tag,
    TagPattern,
)


class StaleVersionError(PreconditionFailed):
    """The annotation changed since the caller read it (optimistic concurrency)."""

    def __init__(self, annotation: Annotation, expected: int):
        self.annotation = annotation
        self.expected = expected
        super().__init__(
            f"Annotation {annotation.pk} is at version {annotation.version}, not {expected}: "
            "someone else changed it. Reload it and apply your change again.",
            current_version=annotation.version,
        )


# The context stored around a quote (a TextQuoteSelector's prefix and suffix), and the
# context shown around a selection before it is marked.
STORED_CONTEXT_LENGTH = 32
SHOWN_CONTEXT_LENGTH = 80


def quote_context(
    text: str, start: int, end: int, length: int = STORED_CONTEXT_LENGTH
) -> tuple[str, str]:
    """The `length` characters before and after text[start:end]."""
    return text[max(0, start - length) : start], text[end : end + length]


def quote_at(capture: Capture, start: int, end: int, quote: str | None = None) -> str:
    """The text of `capture` at [start, end) (code-point offsets), which `quote`, if given,
    must equal; a ValidationError naming `end` or `quote` otherwise."""
    text = capture.text
    if not 0 <= start < end:
        raise ValidationError({"end": "A span must start at 0 or later and end after it starts."})
    if end > len(text):
        raise ValidationError(
            {
                "end": f"The span {start}–{end} is outside the article's text: it runs past "
                f"the end of the capture ({len(text)} characters)."
            }
        )
    expected = text[start:end]
    if quote is not None and quote != expected:
        raise ValidationError(
            {
                "quote": f"The quote does not match the capture at {start}–{end}: the capture "
                f"has “{expected}”, the quote given was “{quote}”. What the article says at "
                "this place is not the passage shown: select it again."
            },
            code="quote_mismatch",
        )
    return expected


def claim_language(capture: Capture) -> str:
    """The language a claim marked in `capture` gets unless told: the article's, else its
    source's."""
    article = capture.article
    return article.language or (article.source.language if article.source else "")


def _clean_confidence(value: object) -> Decimal:
    try:
        confidence = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"confidence": f"Confidence must be a number between 0 and 1, not “{value}”."}
        ) from None
    if not confidence.is_finite() or not (0 <= confidence <= 1):
        raise ValidationError({"confidence": f"Confidence must be between 0 and 1, not {value}."})
    return confidence.quantize(Decimal("0.001"))


def _tags(slugs_or_tags: Iterable[Tag | str]) -> list[Tag]:
    items = list(slugs_or_tags)
    slugs = {t for t in items if isinstance(t, str)}
    tags = [t for t in items if isinstance(t, Tag)]
    if slugs:
        found = list(Tag.objects.filter(slug__in=slugs))
        missing = slugs - {t.slug for t in found}
        if missing:
            raise ValidationError(
                {"tags": f"Unknown tag(s): {', '.join(sorted(missing))}. Pick from the vocabulary."}
            )
        tags.extend(found)
    return tags


# The fields of an annotation's assessment: what an edit changes and a revert restores.
CONTENT_FIELDS = ("confidence", "tags", "verdict", "rationale")


def annotation_state(annotation: Annotation) -> dict:
    """The annotation's journaled fields as the API gives them (confidence a number, tags a
    list of slugs)."""
    return {
        "status": annotation.status,
        "confidence": float(annotation.confidence),
        "tags": sorted(annotation.tags.values_list("slug", flat=True)),
        "verdict": annotation.verdict,
        "rationale": annotation.rationale,
        "review_comment": annotation.review_comment,
    }


def _record_annotation(
    annotation: Annotation,
    *,
    user: Actor,
    action: str,
    before: dict,
    extra_changes: Iterable[dict] = (),
    reason: str = "",
    from_version: int | None = None,
    was_published: bool = False,
) -> None:
    """Journal a write to `annotation` (its state before is `before`): public when it was or
    is now published, otherwise readable by its author and editors only."""
    journal.record(
        actor=user,
        kind="annotation",
        object_id=annotation.pk,
        claim_id=annotation.claim_id,
        owner_id=annotation.author_id,
        public=was_published or annotation.status == Annotation.Status.PUBLISHED,
        action=action,
        version=annotation.version,
        from_version=from_version,
        reason=reason,
        changes=[*journal.changes(before, annotation_state(annotation)), *extra_changes],
    )


def _require_precondition(expected_version: int | None) -> int:
    """The version a write is based on; a write that names none is refused (called after the
    rule check, so a user who may not write learns nothing from it)."""
    if expected_version is None:
        raise PreconditionRequired(
            "Say which version of the annotation you are changing: send the `version` you "
            "read in the body, or its ETag in an If-Match header."
        )
    return expected_version


def claim_state(claim: Claim) -> dict:
    return journal.state(claim, "text", "language", "claimant")


def appearance_state(appearance: Appearance) -> dict:
    return journal.state(
        appearance,
        *("capture", "quote", "start", "end"),
        *("anchor_status", "anchor_method", "anchor_score"),
    )


def evidence_state(evidence: Evidence) -> dict:
    return journal.state(
        evidence, "id", "kind", "url", "capture", "quote", "document", "stance", "note"
    )


def is_published(claim: Claim) -> bool:
    """Whether anything about `claim` is published (one of its annotations)."""
    return claim.annotations.published().exists()


def _bump(annotation: Annotation, expected_version: int | None, **changes) -> None:
    """Apply `changes` and increment the version, unless another write got there first."""
    expected_version = _require_precondition(expected_version)
    changes["updated_at"] = timezone.now()
    query = Annotation.objects.filter(pk=annotation.pk, version=expected_version)
    if not query.update(version=F("version") + 1, **changes):
        annotation.refresh_from_db()
        raise StaleVersionError(annotation, expected_version)
    annotation.refresh_from_db()


def _touch(annotation: Annotation) -> None:
    """Increment the version for a change beside the annotation's own fields (evidence added
    or removed): it adds to what others wrote, so it needs no precondition."""
    Annotation.objects.filter(pk=annotation.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    annotation.refresh_from_db()


def _check_unchanged(annotation: Annotation, expected_version: int | None) -> None:
    """For a write that changes nothing: still refuse a missing or stale precondition, but
    neither bump the version nor record a revision."""
    expected_version = _require_precondition(expected_version)
    current = Annotation.objects.filter(pk=annotation.pk).values_list("version", flat=True)
    if current.first() != expected_version:
        annotation.refresh_from_db()
        raise StaleVersionError(annotation, expected_version)


# Claims and appearances


@transaction.atomic
def create_claim(*, user: User, text: str, language: str, claimant: str = "") -> Claim:
    rules.require(rules.can_create_claim(user), "Only journalists and editors create claims.")
    return _save_claim(user=user, text=text, language=language, claimant=claimant)


def _record_claim(claim: Claim, user: User, action: str, **details) -> None:
    """Journal a write to `claim` itself, on behalf of its creator (`details`: public, reason,
    changes)."""
    journal.record(
        actor=user,
        kind="claim",
        object_id=claim.pk,
        claim_id=claim.pk,
        owner_id=claim.created_by_id,
        action=action,
        **details,
    )


def _save_claim(*, user: User, text: str, language: str, claimant: str) -> Claim:
    claim = Claim(text=text, language=language, claimant=claimant, created_by=user)
    claim.full_clean()
    claim.save()
    _record_claim(claim, user, "created", changes=journal.changes({}, claim_state(claim)))
    return claim


@transaction.atomic
def update_claim(
    *,
    user: User,
    claim: Claim,
    text: str | None = None,
    language: str | None = None,
    claimant: str | None = None,
    reason: str = "",
) -> Claim:
    """Change a claim's wording, language or claimant. Once anything about it is published
    this is an editor's act with a `reason`, which the journal keeps."""
    rules.require(
        rules.can_edit_claim(user, claim, published=False),
        "Only the claim's creator or an editor can change it.",
    )
    published = is_published(claim)
    rules.require(
        rules.can_edit_claim(user, claim, published=published),
        "This claim has a published assessment: only an editor can change it now, giving a reason.",
    )
    before = claim_state(claim)
    for field, value in (("text", text), ("language", language), ("claimant", claimant)):
        if value is not None:
            setattr(claim, field, value)
    claim.full_clean()
    changed = journal.changes(before, claim_state(claim))
    if not changed:
        return claim
    reason = reason.strip()
    if published and not reason:
        raise ValidationError(
            {"reason": "This claim has a published assessment: say why its wording changes."}
        )
    claim.save()
    _record_claim(claim, user, "edited", public=published, reason=reason, changes=changed)
    return claim


@transaction.atomic
def delete_claim(*, user: User, claim: Claim, reason: str = "") -> None:
    """Soft-delete: the claim leaves every list and feed but stays in the database, with its
    history. Removing a claim with a published assessment needs a `reason`."""
    rules.require(
        rules.can_delete_claim(user, claim),
        "Only an editor, or the claim's creator before anything about it is published, "
        "can remove a claim.",
    )
    published = is_published(claim)
    reason = reason.strip()
    if published and not reason:
        raise ValidationError(
            {"reason": "This claim has a published assessment: say why it is removed."}
        )
    Claim.objects.filter(pk=claim.pk).update(deleted_at=timezone.now(), updated_at=timezone.now())
    _record_claim(claim, user, "deleted", public=published, reason=reason)


@transaction.atomic
def create_appearance(
    *, user: User, claim: Claim, capture: Capture, start: int, end: int, quote: str
) -> tuple[Appearance, bool]:
    """Mark `claim` at capture.text[start:end], which `quote` must equal exactly (offsets
    count Unicode code points). Returns the appearance and whether it is new: marking a claim
    again where it is already marked returns the existing appearance."""
    return mark_claim(user=user, capture=capture, start=start, end=end, quote=quote, claim=claim)


@transaction.atomic
def mark_claim(
    *,
    user: User,
    capture: Capture,
    start: int,
    end: int,
    quote: str,
    claim: Claim | None = None,
    text: str = "",
    language: str = "",
    claimant: str = "",
) -> tuple[Appearance, bool]:
    """Mark a span as a claim: an appearance of `claim`, or of a new claim worded `text`
    (default: the quote) in `language` (default: `claim_language`). Returns the appearance
    and whether it is new: where `claim` is already marked at this span, the existing one."""
    rules.require(rules.can_create_claim(user), "Only journalists and editors mark claims.")
    quote_at(capture, start, end, quote)
    if claim is None:
        claim = _save_claim(
            user=user,
            text=text or quote,
            language=language or claim_language(capture),
            claimant=claimant,
        )
    else:
        existing = Appearance.objects.filter(
            claim=claim, capture=capture, start=start, end=end
        ).first()
        if existing is not None:
            return existing, False
    prefix, suffix = quote_context(capture.text, start, end)
    appearance = Appearance(
        claim=claim,
        capture=capture,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        created_by=user,
    )
    # The model's own checks and the database constraints stay as the last line of defence.
    appearance.full_clean()
    appearance.save()
    Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())
    journal.record(
        actor=user,
        kind="appearance",
        object_id=appearance.pk,
        claim_id=claim.pk,
        owner_id=user.pk,
        public=is_published(claim),
        action="created",
        changes=journal.changes({}, appearance_state(appearance)),
    )
    return appearance, True


# Re-anchoring


@transaction.atomic
def reanchor_appearances(*, capture: Capture) -> list[AppearanceAnchor]:
    """Move every appearance of `capture`'s article that sits in an earlier capture onto
    `capture`, if it is the article's latest: the exact quote, else the occurrence that fits
    its context, else a fuzzy match scoring at least CLAIMDESK_ANCHOR_THRESHOLD. A found
    appearance gets the new offsets, quote, context, method and score, and the status
    `changed` when its wording differs from the original. One not found is `orphaned` and
    stays on its last capture. Every outcome is recorded (AppearanceAnchor); nothing is
    deleted."""
    if capture.article.captures.latest() != capture:
        # An older snapshot archived late: claims stay on the newer text.
        return []
    appearances = list(
        Appearance.objects.filter(capture__article_id=capture.article_id)
        .exclude(capture=capture)
        .prefetch_related(Prefetch("anchors", queryset=AppearanceAnchor.objects.order_by("pk")))
        .order_by("pk")
    )
    if not appearances:
        return []
    threshold = settings.CLAIMDESK_ANCHOR_THRESHOLD
    published = set(
        Annotation.objects.published()
        .filter(claim_id__in={a.claim_id for a in appearances})
        .values_list("claim_id", flat=True)
    )
    entries = []
    taken = set(Appearance.objects.filter(capture=capture).values_list("claim_id", "start", "end"))
    records: list[AppearanceAnchor] = []
    for appearance in appearances:
        before = appearance_state(appearance)
        history = list(appearance.anchors.all())
        if not history:
            # Marked before history was kept: its current anchoring is the original.
            records.append(
                AppearanceAnchor(
                    appearance=appearance,
                    capture_id=appearance.capture_id,
                    start=appearance.start,
                    end=appearance.end,
                    quote=appearance.quote,
                    method=appearance.anchor_method,
                    score=appearance.anchor_score,
                    status=appearance.anchor_status,
                )
            )
        original = next((h.quote for h in history if h.quote), appearance.quote)
        match = find_quote(
            capture.text,
            appearance.quote,
            prefix=appearance.prefix,
            suffix=appearance.suffix,
            threshold=threshold,
        )
        if match is not None and (appearance.claim_id, match.start, match.end) in taken:
            match = None  # the same claim is already marked there
        if match is None:
            appearance.anchor_status = Appearance.Status.ORPHANED
            appearance.anchor_method = Appearance.Method.NONE
            appearance.anchor_score = best_fuzzy_score(capture.text, appearance.quote)
            records.append(
                AppearanceAnchor(
                    appearance=appearance,
                    capture=capture,
                    quote="",
                    method=Appearance.Method.NONE,
                    score=appearance.anchor_score,
                    status=Appearance.Status.ORPHANED,
                )
            )
        else:
            quote = capture.text[match.start : match.end]
            appearance.capture = capture
            appearance.start, appearance.end, appearance.quote = match.start, match.end, quote
            appearance.prefix, appearance.suffix = quote_context(
                capture.text, match.start, match.end
            )
            appearance.anchor_method = match.method
            appearance.anchor_score = match.score
            appearance.anchor_status = (
                Appearance.Status.ANCHORED if quote == original else Appearance.Status.CHANGED
            )
            appearance.clean()
            taken.add((appearance.claim_id, match.start, match.end))
            records.append(
                AppearanceAnchor(
                    appearance=appearance,
                    capture=capture,
                    start=match.start,
                    end=match.end,
                    quote=quote,
                    method=match.method,
                    score=match.score,
                    status=appearance.anchor_status,
                )
            )
        appearance.save()
        entries.append(
            journal.entry(
                actor=REANCHORING,
                kind="appearance",
                object_id=appearance.pk,
                claim_id=appearance.claim_id,
                owner_id=appearance.created_by_id,
                public=appearance.claim_id in published,
                action="re-anchored",
                reason=f"new capture {capture.pk}: {appearance.get_anchor_method_display()}",
                changes=journal.changes(before, appearance_state(appearance)),
            )
        )
    AppearanceAnchor.objects.bulk_create(records)
    Claim.objects.filter(pk__in={a.claim_id for a in appearances}).update(updated_at=timezone.now())
    # Recorded last: the journal's listeners (the published read model) read the new state.
    journal.record_all(entries)
    return [r for r in records if r.capture_id == capture.pk]


# Annotations


@transaction.atomic
def create_annotation(
    *,
    user: User,
    claim: Claim,
    confidence: object,
    tags: Iterable[Tag | str] = (),
    verdict: str = "",
    rationale: str = "",
    submit: bool = False,
) -> Annotation:
    """The user's own assessment of `claim`, as a draft (or submitted for review)."""
    rules.require(rules.can_annotate(user), "Only journalists and editors annotate claims.")
    annotation = Annotation(
        claim=claim,
        author=user,
        confidence=_clean_confidence(confidence),
        verdict=verdict,
        rationale=rationale,
    )
    annotation.full_clean()
    annotation.save()
    annotation.tags.set(_tags(tags))
    _record_annotation(annotation, user=user, action="created", before={})
    if submit:
        submit_annotation(user=user, annotation=annotation, expected_version=annotation.version)
    return annotation


@transaction.atomic
def update_annotation(
    *,
    user: User,
    annotation: Annotation,
    expected_version: int | None,
    confidence: object = None,
    tags: Iterable[Tag | str] | None = None,
    verdict: str | None = None,
    rationale: str | None = None,
    reason: str = "",
) -> Annotation:
    """Change an annotation's assessment, based on `expected_version` (the version the user
    read): refuse with StaleVersionError if someone changed it in the meantime, and with
    PreconditionRequired if it is None, changing nothing. Values equal to the stored ones
    change nothing, so such a write neither bumps the version nor is journaled. A published
    annotation (which only an admin may edit) needs a `reason`."""
    rules.require(
        rules.can_edit_annotation(user, annotation),
        "You can edit only your own annotations, and only while they are drafts or returned.",
    )
    return _edit_annotation(
        user=user,
        annotation=annotation,
        expected_version=expected_version,
        confidence=confidence,
        tags=tags,
        verdict=verdict,
        rationale=rationale,
        reason=reason,
        action="edited",
    )


def _edit_annotation(
    *,
    user: User,
    annotation: Annotation,
    expected_version: int | None,
    confidence: object,
    tags: Iterable[Tag | str] | None,
    verdict: str | None,
    rationale: str | None,
    reason: str,
    action: str,
    from_version: int | None = None,
) -> Annotation:
    reason = reason.strip()
    if annotation.status == Annotation.Status.PUBLISHED and not reason:
        raise ValidationError({"reason": "This annotation is published: say why it changes."})
    before = annotation_state(annotation)
    changes: dict = {}
    if confidence is not None:
        changes["confidence"] = _clean_confidence(confidence)
    if verdict is not None:
        if verdict not in Annotation.Verdict.values and verdict != "":
            raise ValidationError(
                {
                    "verdict": f"“{verdict}” is not a verdict; use one of "
                    f"{', '.join(Annotation.Verdict.values)}."
                }
            )
        changes["verdict"] = verdict
    if rationale is not None:
        changes["rationale"] = rationale
    new_tags = _tags(tags) if tags is not None else None
    changes = {
        field: value for field, value in changes.items() if getattr(annotation, field) != value
    }
    tags_change = new_tags is not None and {t.pk for t in new_tags} != set(
        annotation.tags.values_list("pk", flat=True)
    )
    if not changes and not tags_change:
        _check_unchanged(annotation, expected_version)
        return annotation
    _bump(annotation, expected_version, **changes)
    if tags_change:
        annotation.tags.set(new_tags)
    _record_annotation(
        annotation,
        user=user,
        action=action,
        before=before,
        reason=reason,
        from_version=from_version,
    )
    return annotation


def _move(
    annotation: Annotation,
    *,
    user: User,
    expected_version: int | None,
    action: str,
    reason: str = "",
    **changes,
) -> Annotation:
    """Apply a workflow step's `changes` on the version the user read, and journal it (public
    when the annotation was or is now published)."""
    before = annotation_state(annotation)
    _bump(annotation, expected_version, **changes)
    _record_annotation(
        annotation,
        user=user,
        action=action,
        before=before,
        reason=reason,
        was_published=before["status"] == Annotation.Status.PUBLISHED,
    )
    return annotation


def _review(
    annotation: Annotation,
    *,
    user: User,
    expected_version: int | None,
    action: str,
    status: str,
    comment: str = "",
    **changes,
) -> Annotation:
    """An editor's step (publish, return, retract): the new `status`, who reviewed and when,
    and the `comment` shown with it, which the journal keeps as the reason."""
    return _move(
        annotation,
        user=user,
        expected_version=expected_version,
        action=action,
        reason=comment,
        status=status,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=comment,
        **changes,
    )


def _said(text: str, field: str, missing: str) -> str:
    """`text` stripped; a ValidationError on `field` saying `missing` when nothing is left."""
    text = text.strip()
    if not text:
        raise ValidationError({field: missing})
    return text


@transaction.atomic
def submit_annotation(
    *, user: User, annotation: Annotation, expected_version: int | None
) -> Annotation:
    rules.require(
        rules.can_submit_annotation(user, annotation),
        "Only the author submits an annotation, and only a draft or a returned one.",
    )
    return _move(
        annotation,
        user=user,
        expected_version=expected_version,
        action="submitted",
        status=Annotation.Status.SUBMITTED,
    )


@transaction.atomic
def publish_annotation(
    *, user: User, annotation: Annotation, expected_version: int | None
) -> Annotation:
    rules.require(
        rules.can_review_annotation(user, annotation)
        and annotation.status == Annotation.Status.SUBMITTED,
        "Only an editor other than the author publishes an annotation, once it is submitted.",
    )
    return _review(
        annotation,
        user=user,
        expected_version=expected_version,
        action="published",
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
    )


@transaction.atomic
def return_annotation(
    *, user: User, annotation: Annotation, comment: str, expected_version: int | None
) -> Annotation:
    """Send an annotation back to its author with a comment (also a published one)."""
    rules.require(
        rules.can_review_annotation(user, annotation),
        "Only an editor other than the author returns an annotation, once it is submitted.",
    )
    return _review(
        annotation,
        user=user,
        expected_version=expected_version,
        action="returned",
        status=Annotation.Status.RETURNED,
        comment=_said(comment, "comment", "Say what the author should change."),
        published_at=None,
    )


@transaction.atomic
def retract_annotation(
    *, user: User, annotation: Annotation, reason: str, expected_version: int | None = None
) -> Annotation:
    """Withdraw a published annotation, publicly and with a `reason`: it stops being current
    for readers who see published material only, and keeps its history."""
    rules.require(
        rules.can_retract_annotation(user, annotation),
        "Only an editor retracts an annotation, and only a published one.",
    )
    return _review(
        annotation,
        user=user,
        expected_version=expected_version,
        action="retracted",
        status=Annotation.Status.RETRACTED,
        comment=_said(reason, "reason", "Say publicly why this annotation is retracted."),
    )


def content_at(annotation: Annotation, version: int) -> dict:
    """The content fields (CONTENT_FIELDS) of `annotation` as they were at `version`, replayed
    from its journal; a ValidationError naming `version` if it has no such version."""
    if not 1 <= version <= annotation.version:
        raise ValidationError(
            {"version": f"Annotation {annotation.pk} has versions 1 to {annotation.version}."}
        )
    content: dict = {}
    for changes in (
        Entry.objects.about("annotation", annotation.pk)
        .filter(version__lte=version)
        .in_order()
        .values_list("changes", flat=True)
    ):
        for change in changes:
            if change["field"] in CONTENT_FIELDS:
                content[change["field"]] = change["to"]
    missing = [field for field in CONTENT_FIELDS if field not in content]
    if missing:
        raise ValidationError(
            {"version": f"Version {version} of annotation {annotation.pk} is not recorded."}
        )
    return content


@transaction.atomic
def revert_annotation(
    *,
    user: User,
    annotation: Annotation,
    version: int,
    expected_version: int | None = None,
    reason: str = "",
) -> Annotation:
    """Restore the content fields of `version` as a new version, under the rules of an edit;
    journaled as `reverted` with `from_version`."""
    rules.require(
        rules.can_revert_annotation(user, annotation),
        "You can revert only annotations you may edit: your own drafts or returned ones.",
    )
    content = content_at(annotation, version)
    return _edit_annotation(
        user=user,
        annotation=annotation,
        expected_version=expected_version,
        reason=reason,
        action="reverted",
        from_version=version,
        **content,
    )


@transaction.atomic
def delete_annotation(*, user: User, annotation: Annotation, expected_version: int | None) -> None:
    """Soft-delete: the annotation disappears from every list but stays in the database."""
    rules.require(
        rules.can_delete_annotation(user, annotation),
        "You can delete only your own draft or returned annotations.",
    )
    before = annotation_state(annotation)
    _bump(annotation, expected_version, deleted_at=timezone.now())
    _record_annotation(annotation, user=user, action="deleted", before=before)


# Evidence


@transaction.atomic
def add_evidence(
    *,
    user: User,
    annotation: Annotation,
    stance: str,
    url: str = "",
    capture: Capture | None = None,
    quote: str = "",
    document=None,
    note: str = "",
) -> Evidence:
    """Back `annotation` with a link, a quote of an archived capture, or a document."""
    rules.require(
        rules.can_add_evidence(user, annotation),
        "You can add evidence only to your own annotations while they are drafts or returned.",
    )
    given = [
        name
        for name, value in (("url", url), ("capture", capture), ("document", document))
        if value
    ]
    if len(given) != 1:
        raise ValidationError(
            "Evidence is exactly one of: a link (url), an archived capture, or a document; "
            f"got {', '.join(given) or 'none'}."
        )
    evidence = Evidence(
        annotation=annotation,
        kind={
            "url": Evidence.Kind.URL,
            "capture": Evidence.Kind.CAPTURE,
            "document": Evidence.Kind.DOCUMENT,
        }[given[0]],
        url=url,
        capture=capture,
        quote=quote,
        stance=stance,
        note=note,
        added_by=user,
    )
    if document:
        evidence.document = document
    evidence.full_clean()
    evidence.save()
    before = annotation_state(annotation)
    _touch(annotation)
    _record_annotation(
        annotation,
        user=user,
        action="evidence added",
        before=before,
        extra_changes=[{"field": "evidence", "from": None, "to": evidence_state(evidence)}],
    )
    return evidence


@transaction.atomic
def remove_evidence(*, user: User, evidence: Evidence) -> None:
    rules.require(
        rules.can_remove_evidence(user, evidence),
        "You can remove evidence only from your own annotations while they are editable.",
    )
    Evidence.objects.filter(pk=evidence.pk).update(deleted_at=timezone.now())
    annotation = evidence.annotation
    before = annotation_state(annotation)
    _touch(annotation)
    _record_annotation(
        annotation,
        user=user,
        action="evidence removed",
        before=before,
        extra_changes=[{"field": "evidence", "from": evidence_state(evidence), "to": None}],
    )


# Tags


@transaction.atomic
def save_tag(
    *,
    user: User,
    slug: str,
    label: str,
    description: str = "",
    category: str = "",
    tag: Tag | None = None,
) -> Tag:
    """Create a tag, or change `tag`; editors curate the vocabulary."""
    rules.require(rules.can_curate_tags(user), "Only editors curate the tag vocabulary.")
    created = tag is None
    tag = tag or Tag()
    before = {} if created else _tag_state(tag)
    tag.slug, tag.label, tag.description, tag.category = slug, label, description, category
    tag.full_clean()
    tag.save()
    journal.record(
        actor=user,
        kind="tag",
        object_id=tag.pk,
        public=True,
        action="created" if created else "edited",
        changes=journal.changes(before, _tag_state(tag)),
    )
    return tag


# Tag patterns (suggested claims)


def _record_patterns(user: User, tag: Tag, before: list[str], reason: str = "") -> None:
    """Journal a change of `tag`'s patterns, as the list of "language: phrase" before and
    after."""
    journal.record(
        actor=user,
        kind="tag",
        object_id=tag.pk,
        public=True,
        action="edited",
        changes=journal.changes({"patterns": before}, {"patterns": _patterns_of(tag)}),
        reason=reason,
    )


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
    rules.require(rules.can_curate_tags(user), "Only editors curate the tag patterns.")
    before = _patterns_of(tag)
    pattern = pattern or TagPattern()
    pattern.tag, pattern.language, pattern.phrase = tag, language, phrase
    pattern.full_clean()
    pattern.save()
    _record_patterns(user, tag, before)
    return pattern


@transaction.atomic
def delete_tag_pattern(*, user: User, pattern: TagPattern) -> None:
    rules.require(rules.can_curate_tags(user), "Only editors curate the tag patterns.")
    tag = pattern.tag
    before = _patterns_of(tag)
    pattern.delete()
    _record_patterns(user, tag, before)


@transaction.atomic
def tag_capture(*, user: User, capture: Capture, tag: Tag | str, rationale: str) -> Annotation:
    """Apply a capture-level tag (e.g. `spun-or-garbled-text`) to the capture's claim: the
    claim marked on its first line, the headline (marked now if it is not yet). The tag is
    added to the user's annotation of that claim, created as a draft if they have none."""
    rules.require(rules.can_annotate(user), "Only journalists and editors tag captures.")
    (tag,) = _tags([tag])
    first_line = next((m for m in re.finditer(r"[^\n]*\S[^\n]*", capture.text)), None)
    if first_line is None:
        raise ValidationError("This capture has no text to mark.")
    start = first_line.start() + len(first_line.group()) - len(first_line.group().lstrip())
    quote = first_line.group().strip()
    end = start + len(quote)
    appearance = (
        Appearance.objects.filter(capture=capture, start=start, end=end, claim__deleted_at=None)
        .select_related("claim")
        .first()
    )
    if appearance is None:
        appearance, _ = mark_claim(user=user, capture=capture, start=start, end=end, quote=quote)
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


def _tag_state(tag: Tag) -> dict:
    return journal.state(tag, "slug", "label", "description", "category")
