"""Review: the workflow transitions (submit, publish, return, retract, revert) and the
editors' queue of submitted annotations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.people import display_name
from archive.validation import as_text
from core.exceptions import PreconditionRequired

from .. import services
from ..forms import ReturnForm
from ..models import Annotation, Appearance, Evidence
from ._shared import PAGE_SIZE, STALE_MESSAGE, claim_url, next_url, visible_annotation


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _transition(request: HttpRequest, pk: int, action, *, review: bool = False) -> HttpResponse:
    """Run a workflow service on an annotation and go back, reporting conflicts kindly. A
    review (publishing or returning a submitted annotation) goes back to the review queue,
    whose first item is the next one waiting."""
    annotation = visible_annotation(request.user, pk)
    if review and annotation.status == Annotation.Status.SUBMITTED:
        default = reverse("annotations:review-queue")
    else:
        default = claim_url(annotation.claim_id, annotation.pk)
    try:
        action(annotation)
    except services.StaleVersionError:
        messages.error(request, STALE_MESSAGE)
    except PreconditionRequired as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, as_text(exc))
    return redirect(next_url(request, default))


@login_required
@require_POST
def annotation_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def submit(annotation):
        services.submit_annotation(
            user=request.user, annotation=annotation, expected_version=_version(request)
        )
        messages.success(request, _("Submitted for review."))

    return _transition(request, pk, submit)


@login_required
@require_POST
def annotation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    def publish(annotation):
        services.publish_annotation(
            user=request.user, annotation=annotation, expected_version=_version(request)
        )
        messages.success(
            request,
            _("Published %(author)s’s annotation.") % {"author": display_name(annotation.author)},
        )

    return _transition(request, pk, publish, review=True)


@login_required
@require_POST
def annotation_return(request: HttpRequest, pk: int) -> HttpResponse:
    def send_back(annotation):
        services.return_annotation(
            user=request.user,
            annotation=annotation,
            comment=request.POST.get("comment", ""),
            expected_version=_version(request),
        )
        messages.success(
            request,
            _("Returned to %(author)s with your comment.")
            % {"author": display_name(annotation.author)},
        )

    return _transition(request, pk, send_back, review=True)


@login_required
@require_POST
def annotation_retract(request: HttpRequest, pk: int) -> HttpResponse:
    def retract(annotation):
        services.retract_annotation(
            user=request.user,
            annotation=annotation,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
        messages.success(request, _("Retracted: readers no longer see it as current."))

    return _transition(request, pk, retract)


@login_required
@require_POST
def annotation_revert(request: HttpRequest, pk: int) -> HttpResponse:
    target = request.POST.get("to_version", "")

    def revert(annotation):
        if not target.isdigit():
            raise ValidationError("Choose the version to restore.")
        services.revert_annotation(
            user=request.user,
            annotation=annotation,
            version=int(target),
            expected_version=_version(request),
            reason=request.POST.get("reason", ""),
        )
        messages.success(
            request,
            _("Version %(target)s restored as version %(version)s.")
            % {"target": target, "version": annotation.version},
        )

    return _transition(request, pk, revert)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted annotations awaiting an editor, oldest first."""
    user = request.user
    if not roles.is_editor(user):
        raise PermissionDenied(_("The review queue is for editors."))
    queue = (
        Annotation.objects.awaiting_review(user)
        .select_related("reviewed_by")
        .prefetch_related(
            "tags",
            Prefetch("evidence", queryset=Evidence.objects.alive()),
            Prefetch(
                "claim__appearances",
                queryset=Appearance.objects.select_related("capture__article").order_by("pk"),
            ),
        )
    )
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "annotations/review_queue.html",
        {"page": page, "return_form": ReturnForm()},
    )
