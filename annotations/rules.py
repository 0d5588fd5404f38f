"""The role rules of annotations (the archive's live in `archive.rules`). The services call
`require(...)`, so the web UI, the API and the admin enforce the same rules. What may happen
to an annotation (submit, publish, return, retract, edit, revert, delete) is the table in
`annotations.transitions`, which the services ask; the rules of annotations below read it.

- anyone (anonymous, read tokens): reads published annotations;
- journalists: create claims and appearances, write their own annotations and evidence
  while those are draft or returned, and submit them;
- editors: everything journalists do, plus review (publish / return) others' annotations,
  retract published ones, change or remove claims with a published assessment (giving a
  reason), curate the tag vocabulary, assign claims to journalists and read agreement
  figures;
- admins (staff): everything, sources and users included; may review their own work and
  correct published annotations (giving a reason).
"""

from accounts.roles import AnyUser, is_editor, is_journalist
from accounts.roles import require as require

from .models import Annotation, Claim, Evidence
from .transitions import allowed


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
    return allowed(user, annotation, "edit")


def can_add_evidence(user: AnyUser, annotation: Annotation) -> bool:
    """Evidence is part of the assessment: who may edit it may add to it."""
    return can_edit_annotation(user, annotation)


def can_remove_evidence(user: AnyUser, evidence: Evidence) -> bool:
    return can_edit_annotation(user, evidence.annotation)


def can_assign(user: AnyUser) -> bool:
    """Editors assign claims to journalists (and withdraw assignments)."""
    return is_editor(user)


def can_view_agreement(user: AnyUser) -> bool:
    return is_editor(user)
