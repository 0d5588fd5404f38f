"""Assigning: editors ask journalists to annotate claims, from a claim's page or in bulk from
the claims list, and withdraw assignments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from annotations import rules
from annotations.models import Assignment
from annotations.services import assignments
from archive.validation import as_text
from desk.forms import AssignForm
from desk.views._shared import next_url


@login_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    # Asked before the form is read, so that who may not assign learns nothing from it (a
    # claim that does not exist and one they may not see get the same 403).
    rules.require(rules.can_assign(request.user), _("Only editors assign claims."))
    form = AssignForm(request.POST)
    target = next_url(request, reverse("annotations:claim-list"))
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[k].label or k}: {' '.join(v)}" for k, v in form.errors.items()
        )
        messages.error(request, _("Nothing assigned. %(errors)s") % {"errors": errors})
        return redirect(target)
    try:
        made = assignments.assign_claims(user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, as_text(exc))
        return redirect(target)
    claims = len(form.cleaned_data["claims"])
    names = ", ".join(a.username for a in form.cleaned_data["assignees"])
    assigned = ngettext(
        "Assigned %(claims)d claim to %(names)s", "Assigned %(claims)d claims to %(names)s", claims
    ) % {"claims": claims, "names": names}
    if form.cleaned_data["blind"]:
        assigned = _("%(assigned)s (blind)") % {"assigned": assigned}
    made_text = ngettext("%(count)d assignment", "%(count)d assignments", len(made)) % {
        "count": len(made)
    }
    messages.success(
        request, _("%(assigned)s: %(made)s.") % {"assigned": assigned, "made": made_text}
    )
    return redirect(target)


@login_required
@require_POST
def unassign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(Assignment, pk=pk)
    assignments.unassign(user=request.user, assignment=assignment)
    messages.success(request, _("Withdrew %(name)s’s assignment.") % {"name": assignment.assignee})
    return redirect(
        next_url(request, reverse("annotations:claim-detail", args=[assignment.claim_id]))
    )


def claim_context(user, claim) -> dict:
    """What the claim page shows about assignments: the user's own (with whether blind mode
    hides others' annotations from them now), and for editors all of them and the form."""
    own = next((a for a in claim.assignments.all() if a.assignee_id == user.pk), None)
    context = {
        "assignment": own,
        "blinded": own is not None
        and Assignment.objects.open_for(user).filter(pk=own.pk, blind=True).exists(),
    }
    if rules.can_assign(user):
        context["assignments"] = claim.assignments.select_related("assignee", "assigned_by")
        context["assign_form"] = AssignForm(initial={"claims": [claim.pk]})
    return context
