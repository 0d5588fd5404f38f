"""Annotating: a user's own assessment of a claim (tags, confidence, verdict, rationale),
edited while a draft or returned, and the evidence that backs it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations import rules, services, transitions
from annotations.models import Annotation, Claim
from archive.validation import add_to_form
from core.exceptions import PreconditionRequired
from desk.forms import AnnotationForm, EvidenceForm
from desk.views._shared import STALE_MESSAGE, claim_url, visible_annotation, visible_claim
from publication.history import annotation_history

NOT_EDITABLE = gettext_lazy(
    "You can change only your own annotations, and only while they are drafts or returned."
)


@login_required
def annotate(request: HttpRequest, pk: int) -> HttpResponse:
    """The user's own assessment of a claim: tags, confidence, verdict, rationale and a first
    piece of evidence, saved as a draft or submitted for review."""
    user = request.user
    claim = visible_claim(user, pk, Claim.objects.with_details(user))
    rules.require(rules.can_annotate(user), _("Only journalists and editors annotate claims."))
    own = next((a for a in claim.visible_annotations if a.author_id == user.pk), None)
    if own is not None:
        messages.info(request, _("You have already annotated this claim: here is your annotation."))
        if rules.can_edit_annotation(user, own):
            return redirect("annotations:annotation-edit", own.pk)
        return redirect(claim_url(claim.pk, own.pk))
    # ?tags= preselects tags (a suggested claim accepted from the reader).
    form = AnnotationForm(request.POST or None, initial={"tags": request.GET.getlist("tags")})
    evidence_form = EvidenceForm(request.POST or None, prefix="evidence", required=False)
    # "&", not "and": validate both forms so that every error shows at once.
    if request.method == "POST" and form.is_valid() & evidence_form.is_valid():
        try:
            with transaction.atomic():
                annotation = services.create_annotation(
                    user=user,
                    claim=claim,
                    confidence=form.confidence_decimal,
                    tags=form.cleaned_data["tags"],
                    verdict=form.cleaned_data["verdict"],
                    rationale=form.cleaned_data["rationale"],
                )
                _save_evidence_and_maybe_submit(request, annotation, evidence_form)
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            return redirect(claim_url(claim.pk, annotation.pk))
    return render(
        request,
        "annotations/annotation_form.html",
        {"claim": claim, "form": form, "evidence_form": evidence_form, "annotation": None},
    )


def _add_evidence(user, annotation: Annotation, form: EvidenceForm) -> None:
    """Add the evidence `form` describes; a refusal is shown on the form and re-raised."""
    data = form.cleaned_data
    try:
        services.add_evidence(
            user=user,
            annotation=annotation,
            stance=data["stance"],
            url=data["url"],
            capture=data["capture"],
            quote=data["quote"],
            note=data["note"],
        )
    except ValidationError as exc:
        add_to_form(form, exc)
        raise


def _save_evidence_and_maybe_submit(
    request: HttpRequest, annotation: Annotation, evidence_form: EvidenceForm
) -> None:
    if not evidence_form.is_blank:
        _add_evidence(request.user, annotation, evidence_form)
    if request.POST.get("action") == "submit":
        services.submit_annotation(
            user=request.user, annotation=annotation, expected_version=annotation.version
        )
        messages.success(
            request, _("Submitted for review: an editor will publish it or return it.")
        )
    else:
        messages.success(request, _("Draft saved. Only you and the editors can see it."))


@login_required
def annotation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    annotation = visible_annotation(user, pk, rules.can_edit_annotation, NOT_EDITABLE)
    claim = visible_claim(user, annotation.claim_id, Claim.objects.with_details(user))
    ask_reason = transitions.needs_reason("edit", annotation.status)
    if request.method == "POST":
        form = AnnotationForm(request.POST, ask_reason=ask_reason)
        evidence_form = EvidenceForm(request.POST, prefix="evidence", required=False)
        if form.is_valid() & evidence_form.is_valid():
            try:
                with transaction.atomic():
                    services.update_annotation(
                        user=user,
                        annotation=annotation,
                        expected_version=form.cleaned_data["version"],
                        confidence=form.confidence_decimal,
                        tags=form.cleaned_data["tags"],
                        verdict=form.cleaned_data["verdict"],
                        rationale=form.cleaned_data["rationale"],
                        reason=form.cleaned_data.get("reason", ""),
                    )
                    _save_evidence_and_maybe_submit(request, annotation, evidence_form)
            except services.StaleVersionError as exc:
                data = request.POST.copy()
                data["version"] = exc.annotation.version
                form = AnnotationForm(data, ask_reason=ask_reason)
                form.is_valid()
                form.add_error(None, STALE_MESSAGE)
            except PreconditionRequired as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                add_to_form(form, exc)
            else:
                return redirect(claim_url(annotation.claim_id, annotation.pk))
    else:
        form = AnnotationForm(initial=AnnotationForm.initial_for(annotation), ask_reason=ask_reason)
        evidence_form = EvidenceForm(prefix="evidence", required=False)
    return render(
        request,
        "annotations/annotation_form.html",
        {
            "claim": claim,
            "form": form,
            "evidence_form": evidence_form,
            "annotation": annotation,
            "evidence": annotation.evidence.alive().select_related("capture__article"),
            "events": annotation_history(annotation.pk, user),
            "versions": range(annotation.version - 1, 0, -1),
            "revert_needs_reason": transitions.needs_reason("revert", annotation.status),
        },
    )


@login_required
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    annotation = visible_annotation(user, pk, rules.can_add_evidence, NOT_EDITABLE)
    form = EvidenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _add_evidence(user, annotation, form)
        except ValidationError:
            pass
        else:
            messages.success(request, _("Evidence added."))
            return redirect(claim_url(annotation.claim_id, annotation.pk))
    return render(
        request, "annotations/evidence_form.html", {"annotation": annotation, "form": form}
    )
