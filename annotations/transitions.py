"""What may happen next to an annotation: its workflow as one table, declared as data (as
django-fsm declares each transition once with its source, target and permission).

Each row says which `action` takes an annotation from which statuses (`sources`) to which
status (`target`; None when the status stays), who may take it (`who`), the field that must
say why (`reason`; empty when none is needed) and whether the version the user read is
required (`version`). An action may have several rows: an author edits a draft without a
reason, an admin edits published work with one. The services ask `check()`, the rules derive
`can_*` from `allowed()`, the pages show the buttons of `available_transitions()`, the API
and the admin read the reason fields from here. No row moves an annotation of a removed
claim, nor a deleted annotation."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.roles import AnyUser, is_admin, is_editor, is_journalist

from .models import Annotation

Status = Annotation.Status
Who = Callable[[AnyUser, Annotation], bool]


def author_or_admin(user: AnyUser, annotation: Annotation) -> bool:
    """The annotation's author (who may annotate), or an admin."""
    return is_admin(user) or (is_journalist(user) and annotation.author_id == user.pk)


def reviewer(user: AnyUser, annotation: Annotation) -> bool:
    """An editor other than the author; an admin also reviews their own work."""
    return is_editor(user) and (annotation.author_id != user.pk or is_admin(user))


def editor(user: AnyUser, annotation: Annotation) -> bool:
    """Any editor, the author included: a retraction is a public correction."""
    return is_editor(user)


def admin(user: AnyUser, annotation: Annotation) -> bool:
    return is_admin(user)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None
    who: Who
    reason: str = ""
    missing: Promise | str = ""  # what to say when the reason is missing
    version: bool = True

    def applies(self, user: AnyUser, annotation: Annotation) -> bool:
        return annotation.status in self.sources and self.who(user, annotation)


UNPUBLISHED = (Status.DRAFT, Status.RETURNED)
SAY_WHY_IT_CHANGES = _("This annotation is published: say why it changes.")

TRANSITIONS = (
    Transition("submit", UNPUBLISHED, Status.SUBMITTED, author_or_admin),
    Transition("publish", (Status.SUBMITTED,), Status.PUBLISHED, reviewer),
    Transition(
        "return",
        (Status.SUBMITTED, Status.PUBLISHED),
        Status.RETURNED,
        reviewer,
        reason="comment",
        missing=_("Say what the author should change."),
    ),
    Transition(
        "retract",
        (Status.PUBLISHED,),
        Status.RETRACTED,
        editor,
        reason="reason",
        missing=_("Say publicly why this annotation is retracted."),
    ),
    Transition("edit", UNPUBLISHED, None, author_or_admin),
    Transition(
        "edit", (Status.PUBLISHED,), None, admin, reason="reason", missing=SAY_WHY_IT_CHANGES
    ),
    # A revert is an edit that restores an earlier version's content.
    Transition("revert", UNPUBLISHED, None, author_or_admin),
    Transition(
        "revert", (Status.PUBLISHED,), None, admin, reason="reason", missing=SAY_WHY_IT_CHANGES
    ),
    # Soft: the annotation leaves every list. Published work is retracted instead.
    Transition("delete", UNPUBLISHED, None, author_or_admin),
)
ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))

# What a refusal says, per action (the claim-removed and deleted cases aside).
REFUSALS = {
    "submit": _("Only the author submits an annotation, and only a draft or a returned one."),
    "publish": _(
        "Only an editor other than the author publishes an annotation, once it is submitted."
    ),
    "return": _(
        "Only an editor other than the author returns an annotation, once it is submitted or "
        "published."
    ),
    "retract": _("Only an editor retracts an annotation, and only a published one."),
    "edit": _(
        "You can edit only your own annotations, and only while they are drafts or returned."
    ),
    "revert": _("You can revert only annotations you may edit: your own drafts or returned ones."),
    "delete": _("You can delete only your own draft or returned annotations."),
}
CLAIM_REMOVED = _("This annotation’s claim was removed: its annotations no longer change.")
DELETED = _("This annotation was deleted: it no longer changes.")


def _frozen(annotation: Annotation) -> Promise | None:
    """Why nothing may happen to `annotation` any more, or None."""
    if annotation.deleted_at is not None:
        return DELETED
    if annotation.claim.deleted_at is not None:
        return CLAIM_REMOVED
    return None


def transition(user: AnyUser, annotation: Annotation, action: str) -> Transition | None:
    """The row that lets `user` take `action` on `annotation` now, or None."""
    if _frozen(annotation) is not None:
        return None
    return next(
        (t for t in TRANSITIONS if t.action == action and t.applies(user, annotation)), None
    )


def allowed(user: AnyUser, annotation: Annotation, action: str) -> bool:
    return transition(user, annotation, action) is not None


def available_transitions(user: AnyUser, annotation: Annotation) -> frozenset[str]:
    """The actions `user` may take on `annotation` now (the buttons a page shows)."""
    return frozenset(a for a in ACTIONS if allowed(user, annotation, a))


def target(action: str) -> str | None:
    """The status `action` moves an annotation to (None: its status stays)."""
    return next(t.target for t in TRANSITIONS if t.action == action)


def reason_fields(action: str) -> tuple[str, ...]:
    """The fields in which `action` takes its reason (none, or one)."""
    return tuple(dict.fromkeys(t.reason for t in TRANSITIONS if t.action == action and t.reason))


def needs_reason(action: str, status: str) -> bool:
    """Whether taking `action` from `status` must say why."""
    return any(t.reason for t in TRANSITIONS if t.action == action and status in t.sources)


def check(user: AnyUser, annotation: Annotation, action: str, *, why: str = "") -> str:
    """Refuse unless a row lets `user` take `action` on `annotation` now: PermissionDenied
    saying why; then, if the row needs a reason and `why` is blank, a ValidationError on the
    row's reason field. Returns `why`, stripped. (Every row needs the version read: the
    services refuse a write without one when they write, `_versions.bump_version`.)"""
    row = transition(user, annotation, action)
    if row is None:
        raise PermissionDenied(_frozen(annotation) or REFUSALS[action])
    why = why.strip()
    if row.reason and not why:
        raise ValidationError({row.reason: row.missing})
    return why
