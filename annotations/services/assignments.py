"""Writes to assignments: editors ask journalists to annotate claims, one at a time from the
claim page or in bulk from the claims list (blind mode on by default). The web UI and the
admin call these, so both check `annotations.rules`.

Each is journaled in the claim's history (who asked whom, blind or not), readable by editors
and by the assignee alone: not public, and saying nothing of the claim's other annotations."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.roles import is_journalist
from journal import services as journal

from .. import rules
from ..models import Assignment, Claim
from ._versions import claim_change


@transaction.atomic
def assign_claims(
    *,
    user: User,
    claims: Iterable[Claim],
    assignees: Iterable[User],
    blind: bool = True,
    show_published: bool = False,
) -> list[Assignment]:
    """Assign every claim to every assignee; an existing assignment takes the new blind
    settings. Refuses (ValidationError) an assignee who is not a journalist or a deleted
    claim."""
    rules.require(rules.can_assign(user), "Only editors assign claims.")
    claims, assignees = list(claims), list(assignees)
    if not claims:
        raise ValidationError({"claims": "Choose at least one claim."})
    if not assignees:
        raise ValidationError({"assignees": "Choose at least one journalist."})
    not_journalists = sorted(a.username for a in assignees if not is_journalist(a))
    if not_journalists:
        raise ValidationError(
            {"assignees": f"Only journalists annotate: {', '.join(not_journalists)} cannot."}
        )
    deleted = [c.pk for c in claims if c.deleted_at is not None]
    if deleted:
        raise ValidationError({"claims": f"Claim {deleted[0]} was deleted."})
    stored = {
        (a.claim_id, a.assignee_id): _state(a)
        for a in Assignment.objects.filter(claim__in=claims, assignee__in=assignees).select_related(
            "assignee"
        )
    }
    assignments, entries = [], []
    for claim in claims:
        for assignee in assignees:
            assignment, created = Assignment.objects.update_or_create(
                claim=claim,
                assignee=assignee,
                defaults={"blind": blind, "show_published": show_published},
                create_defaults={
                    "blind": blind,
                    "show_published": show_published,
                    "assigned_by": user,
                },
            )
            assignments.append(assignment)
            before, after = stored.get((claim.pk, assignee.pk), {}), _state(assignment)
            if after != before:
                action = "assigned" if created else "edited"
                entries.append(claim_change(user, "assignment", assignment, action, before, after))
    journal.record_all(entries)
    return assignments


@transaction.atomic
def unassign(*, user: User, assignment: Assignment) -> None:
    """Withdraw an assignment (the assignee's annotation, if any, stays)."""
    rules.require(rules.can_assign(user), "Only editors withdraw assignments.")
    # Made before the row is deleted, which takes its id.
    withdrawn = claim_change(user, "assignment", assignment, "withdrawn", _state(assignment), None)
    assignment.delete()
    journal.record_all([withdrawn])


def _state(assignment: Assignment) -> dict:
    """As the journal keeps an assignment: the assignee by name, so that the history reads
    who was asked."""
    return journal.state(
        assignment, "blind", "show_published", assignee=assignment.assignee.get_username()
    )
