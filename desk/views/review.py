"""Review: the workflow transitions (submit, publish, return, retract, revert) and the
editors' queue of submitted annotations."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.people import display_name
from annotations import services, transitions
from annotations.models import Annotation, Appearance, Evidence
from archive.validation import as_text
from core.exceptions import PreconditionRequired
from desk.forms import ReturnForm
from desk.views._shared import PAGE_SIZE, STALE_MESSAGE, claim_url, next_url, visible_annotation
from publication.history import count_edits


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _revert(*, to_version: str, **arguments) -> None:
    if not to_version.isdigit():
        raise ValidationError(_("Choose the version to restore."))
    services.revert_annotation(version=int(to_version), **arguments)


@dataclass(frozen=True)
class Step:
    """A transition (`annotations.transitions`) as the pages offer it: the `service` that
    makes it, the success message (`done`, or made by it from the annotation and the form),
    and the form fields `posted` to it under their own names besides the reason the table
    asks for. A `review` of a submitted annotation goes back to the review queue, whose first
    item is the next one waiting."""

    action: str
    service: Callable[..., object]
    done: Promise | Callable[[Annotation, dict], str]
    also_posted: tuple[str, ...] = ()
    review: bool = False

    @property
    def posted(self) -> tuple[str, ...]:
        return (*self.also_posted, *transitions.reason_fields(self.action))


def _naming_the_author(message: Promise) -> Callable[[Annotation, dict], str]:
    """A success message that names the annotation's author as `%(author)s`."""
    return lambda annotation, form: message % {"author": display_name(annotation.author)}


# The transitions the pages offer, by action (each with a URL: annotations/<pk>/<action>/).
STEPS = {
    step.action: step
    for step in (
        Step("submit", services.submit_annotation, gettext_lazy("Submitted for review.")),
        Step(
            "publish",
            services.publish_annotation,
            _naming_the_author(gettext_lazy("Published %(author)s’s annotation.")),
            review=True,
        ),
        Step(
            "return",
            services.return_annotation,
            _naming_the_author(gettext_lazy("Returned to %(author)s with your comment.")),
            review=True,
        ),
        Step(
            "retract",
            services.retract_annotation,
            gettext_lazy("Retracted: readers no longer see it as current."),
        ),
        Step(
            "revert",
            _revert,
            lambda annotation, form: (
                _("Version %(target)s restored as version %(version)s.")
                % {"target": form["to_version"], "version": annotation.version}
            ),
            also_posted=("to_version",),
        ),
    )
}


@login_required
@require_POST
def annotation_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Run the workflow step `step` on an annotation and go back, reporting conflicts kindly."""
    step = STEPS[step]
    annotation = visible_annotation(request.user, pk)
    if step.review and annotation.status == Annotation.Status.SUBMITTED:
        default = reverse("annotations:review-queue")
    else:
        default = claim_url(annotation.claim_id, annotation.pk)
    form = {name: request.POST.get(name, "") for name in step.posted}
    try:
        step.service(
            user=request.user, annotation=annotation, expected_version=_version(request), **form
        )
    except services.StaleVersionError:
        messages.error(request, STALE_MESSAGE)
    except PreconditionRequired as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, as_text(exc))
    else:
        messages.success(request, step.done(annotation, form) if callable(step.done) else step.done)
    return redirect(next_url(request, default))


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
    count_edits(page.object_list)
    return render(
        request,
        "annotations/review_queue.html",
        {"page": page, "return_form": ReturnForm()},
    )
