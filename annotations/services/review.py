"""The review workflow: submitting, publishing, returning and retracting an annotation, each
as the table of transitions (`annotations.transitions`) allows."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .. import transitions
from ..models import Annotation
from ._versions import annotation_state, bump_version, record_annotation


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
    bump_version(annotation, expected_version, **changes)
    record_annotation(
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


@transaction.atomic
def submit_annotation(
    *, user: User, annotation: Annotation, expected_version: int | None
) -> Annotation:
    transitions.check(user, annotation, "submit")
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
    transitions.check(user, annotation, "publish")
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
    comment = transitions.check(user, annotation, "return", why=comment)
    return _review(
        annotation,
        user=user,
        expected_version=expected_version,
        action="returned",
        status=Annotation.Status.RETURNED,
        comment=comment,
        published_at=None,
    )


@transaction.atomic
def retract_annotation(
    *, user: User, annotation: Annotation, reason: str, expected_version: int | None
) -> Annotation:
    """Withdraw a published annotation, publicly and with a `reason`: it stops being current
    for readers who see published material only, and keeps its history."""
    reason = transitions.check(user, annotation, "retract", why=reason)
    return _review(
        annotation,
        user=user,
        expected_version=expected_version,
        action="retracted",
        status=Annotation.Status.RETRACTED,
        comment=reason,
    )
