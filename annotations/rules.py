"""The role rules of annotations (the archive's live in `archive.rules`). The services call
`require(...)`, so the web UI, the API and the admin enforce the same rules.

- anyone (anonymous, read tokens): reads published annotations;
- journalists: create claims and appearances, write their own annotations and evidence
  while those are draft or returned, and submit them;
- editors: everything journalists do, plus review (publish / return) others' annotations,
  retract published ones, change or remove claims with a published assessment (giving a
  reason), curate the tag vocabulary, assign claims to journalists and read agreement
  figures;
- admins (staff): everything, sources and users included; may review their own work.
"""

from django.core.exceptions import PermissionDenied

from accounts.roles import AnyUser, is_admin, is_editor, is_journalist

from .models import Annotation, Claim, Evidence


def can_curate_tags(user: AnyUser) -> bool:
    return is_editor(user)


def can_create_claim(user: AnyUser) -> bool:
    return is_journalist(user)


def can_edit_claim(user: AnyUser, claim: Claim, *, published: bool | None = None) -> bool:
    """Editors change any claim; its creator only while nothing about it is published
    (`published`, looked up when not given)."""
    if is_editor(user):
        return True
    if not (is_journalist(user) and claim.created_by_id == user.pk):
        return False
    if published is None:
        published = claim.annotations.published().exists()
    return not published


def can_delete_claim(user: AnyUser, claim: Claim) -> bool:
    """Editors remove claims; creators remove their own until an assessment is published."""
    if is_editor(user):
        return True
    return (
        is_journalist(user)
        and claim.created_by_id == user.pk
        and not claim.annotations.published().exists()
    )


def can_annotate(user: AnyUser) -> bool:
    return is_journalist(user)


def can_edit_annotation(user: AnyUser, annotation: Annotation) -> bool:
    if is_admin(user):
        return annotation.deleted_at is None
    return is_journalist(user) and annotation.author_id == user.pk and annotation.is_editable


def can_submit_annotation(user: AnyUser, annotation: Annotation) -> bool:
    return can_edit_annotation(user, annotation) and annotation.is_editable


def can_review_annotation(user: AnyUser, annotation: Annotation) -> bool:
    """Editors review others' submitted (or published, to retract) annotations; nobody but an
    admin reviews their own."""
    if annotation.deleted_at is not None or not is_editor(user):
        return False
    if annotation.author_id == user.pk and not is_admin(user):
        return False
    return annotation.status in (Annotation.Status.SUBMITTED, Annotation.Status.PUBLISHED)


def can_retract_annotation(user: AnyUser, annotation: Annotation) -> bool:
    """Editors retract published annotations, their own included: a public correction."""
    return (
        is_editor(user)
        and annotation.deleted_at is None
        and annotation.status == Annotation.Status.PUBLISHED
    )


def can_revert_annotation(user: AnyUser, annotation: Annotation) -> bool:
    """A revert is an edit: who may edit the annotation may revert it."""
    return can_edit_annotation(user, annotation)


def can_delete_annotation(user: AnyUser, annotation: Annotation) -> bool:
    return can_edit_annotation(user, annotation)


def can_add_evidence(user: AnyUser, annotation: Annotation) -> bool:
    return can_edit_annotation(user, annotation)


def can_remove_evidence(user: AnyUser, evidence: Evidence) -> bool:
    return can_edit_annotation(user, evidence.annotation)


def can_assign(user: AnyUser) -> bool:
    """Editors assign claims to journalists (and withdraw assignments)."""
    return is_editor(user)


def can_view_agreement(user: AnyUser) -> bool:
    return is_editor(user)


def require(allowed: bool, message: str) -> None:
    """Raise PermissionDenied with a message the user can act on unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message)
