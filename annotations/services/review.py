"""The review workflow: submitting, publishing, returning and retracting an annotation, each
a step that the table of transitions (`annotations.transitions`) allows and moves."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .. import transitions
from ..models import Annotation
from ._versions import annotation_state, bump_version, record_annotation

Status = Annotation.Status

# How the journal names each step once taken.
JOURNALED_AS = {
    "submit": "submitted",
    "publish": "published",
    "return": "returned",
    "retract": "retracted",
}


@transaction.atomic
def _take_step(
    action: str, *, user: User, annotation: Annotation, expected_version: int | None, why: str = ""
) -> Annotation:
    """Take the workflow step `action` on the version the user read, if the table allows it,
    moving the annotation to the step's target status, and journal it. An editor's step (all
    but submitting) also records who reviewed and when, with `why` as the comment shown with
    it; publishing sets the publication time, returning clears it and a retraction keeps it."""
    why = transitions.check(user, annotation, action, why=why)
    changes: dict = {"status": transitions.target(action)}
    if action != "submit":
        changes |= {"reviewed_by": user, "reviewed_at": timezone.now(), "review_comment": why}
    if changes["status"] == Status.PUBLISHED:
        changes["published_at"] = timezone.now()
    elif changes["status"] == Status.RETURNED:
        changes["published_at"] = None
    before = annotation_state(annotation)
    bump_version(annotation, expected_version, **changes)
    record_annotation(annotation, user=user, action=JOURNALED_AS[action], before=before, reason=why)
    return annotation


def submit_annotation(
    *, user: User, annotation: Annotation, expected_version: int | None
) -> Annotation:
    return _take_step("submit", user=user, annotation=annotation, expected_version=expected_version)


def publish_annotation(
    *, user: User, annotation: Annotation, expected_version: int | None
) -> Annotation:
    return _take_step(
        "publish", user=user, annotation=annotation, expected_version=expected_version
    )


def return_annotation(
    *, user: User, annotation: Annotation, comment: str, expected_version: int | None
) -> Annotation:
    """Send an annotation back to its author with a comment (also a published one)."""
    return _take_step(
        "return", user=user, annotation=annotation, expected_version=expected_version, why=comment
    )


def retract_annotation(
    *, user: User, annotation: Annotation, reason: str, expected_version: int | None
) -> Annotation:
    """Withdraw a published annotation, publicly and with a `reason`: it stops being current
    for readers who see published material only, and keeps its history."""
    return _take_step(
        "retract", user=user, annotation=annotation, expected_version=expected_version, why=reason
    )
