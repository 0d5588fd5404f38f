"""Writes to assignments: editors ask journalists to annotate claims, one at a time from the
claim page or in bulk from the claims list (blind mode on by default). The web UI and the
admin call these, so both check `annotations.rules`."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.roles import is_journalist

from .. import rules
from ..models import Assignment, Claim


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
    assignments = []
    for claim in claims:
        for assignee in assignees:
            assignment, _ = Assignment.objects.update_or_create(
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
    return assignments


@transaction.atomic
def unassign(*, user: User, assignment: Assignment) -> None:
    """Withdraw an assignment (the assignee's annotation, if any, stays)."""
    rules.require(rules.can_assign(user), "Only editors withdraw assignments.")
    assignment.delete()
