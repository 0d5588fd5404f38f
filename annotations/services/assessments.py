"""Annotations: an editor's own assessment of a claim created, edited, reverted to an earlier
version or deleted, always on the version the user read."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import Entry

from .. import rules, transitions
from ..models import Annotation, Claim, Tag
from ._versions import (
    CONTENT_FIELDS,
    annotation_state,
    bump_version,
    check_unchanged,
    clean_confidence,
    record_annotation,
    tags_named,
)
from .review import submit_annotation


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
    rules.require(rules.can_annotate(user), _("Only journalists and editors annotate claims."))
    annotation = Annotation(
        claim=claim,
        author=user,
        confidence=clean_confidence(confidence),
        verdict=verdict,
        rationale=rationale,
    )
    annotation.full_clean()
    annotation.save()
    annotation.tags.set(tags_named(tags))
    record_annotation(annotation, user=user, action="created", before={})
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
    reason = transitions.check(user, annotation, "edit", why=reason)
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
    """Apply the changes of an edit or a revert that `transitions.check` allowed."""
    before = annotation_state(annotation)
    changes: dict = {}
    if confidence is not None:
        changes["confidence"] = clean_confidence(confidence)
    if verdict is not None:
        if verdict not in Annotation.Verdict.values and verdict != "":
            raise ValidationError(
                {
                    "verdict": _("“%(verdict)s” is not a verdict; use one of %(verdicts)s.")
                    % {"verdict": verdict, "verdicts": ", ".join(Annotation.Verdict.values)}
                }
            )
        changes["verdict"] = verdict
    if rationale is not None:
        changes["rationale"] = rationale
    new_tags = tags_named(tags) if tags is not None else None
    changes = {
        field: value for field, value in changes.items() if getattr(annotation, field) != value
    }
    tags_change = new_tags is not None and {t.pk for t in new_tags} != set(
        annotation.tags.values_list("pk", flat=True)
    )
    if not changes and not tags_change:
        check_unchanged(annotation, expected_version)
        return annotation
    bump_version(annotation, expected_version, **changes)
    if tags_change:
        annotation.tags.set(new_tags)
    record_annotation(
        annotation,
        user=user,
        action=action,
        before=before,
        reason=reason,
        from_version=from_version,
    )
    return annotation


def content_at(annotation: Annotation, version: int) -> dict:
    """The content fields (CONTENT_FIELDS) of `annotation` as they were at `version`, replayed
    from its journal; a ValidationError naming `version` if it has no such version."""
    if not 1 <= version <= annotation.version:
        raise ValidationError(
            {
                "version": _("Annotation %(id)s has versions 1 to %(last)s.")
                % {"id": annotation.pk, "last": annotation.version}
            }
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
            {
                "version": _("Version %(version)s of annotation %(id)s is not recorded.")
                % {"version": version, "id": annotation.pk}
            }
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
    reason = transitions.check(user, annotation, "revert", why=reason)
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
    transitions.check(user, annotation, "delete")
    before = annotation_state(annotation)
    bump_version(annotation, expected_version, deleted_at=timezone.now())
    record_annotation(annotation, user=user, action="deleted", before=before)
