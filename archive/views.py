"""Archive pages that need no claims: adding an article, following imports, downloading a
capture as WARC.
Pages that show claims next to the text (home, the articles list, the reader, capture
history) live in `desk.views`, since annotations depends on archive and never the
reverse."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, TooManyFieldsSent, TooManyFilesSent
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from accounts.roles import is_editor

from . import imports, rules
from .forms import ArticleAddForm
from .imports import describe_inputs, failed_items_error, import_limit, too_many_files
from .ingest.documents import Document, IngestError
from .models import Capture, ImportItem, ImportJob
from .services import Outcome, archive_document
from .warc import capture_warc


def _pasted(request, data: dict) -> Document:
    """The pasted article, as the archive command's readers would describe it."""
    return Document(
        item="the pasted text",
        title=data["title"],
        text=data["text"],
        origin=Capture.Origin.PASTE,
        origin_location=f"pasted by {request.user.username}",
        extractor="text",
    )


@login_required
def article_add(request):
    """Pasted text is archived at once; web addresses and files become an import job, whose
    page follows its progress."""
    rules.require(
        rules.can_archive_articles(request.user),
        _("Only journalists and editors add articles to the archive."),
    )
    length = request.META.get("CONTENT_LENGTH") or "0"
    if request.method == "POST" and length.isdigit() and int(length) > import_limit() + 2**20:
        # Refused before the body is read.
        form = ArticleAddForm()
        form.add_error(
            None,
            _(
                "The upload holds %(length)s bytes; one import takes at most %(limit)s "
                "(CLAIMDESK_IMPORT_MAX_BYTES). Split it into several imports."
            )
            % {
                "length": number_format(int(length), force_grouping=True),
                "limit": number_format(import_limit(), force_grouping=True),
            },
        )
        return render(request, "archive/article_add.html", {"form": form}, status=413)
    if request.method == "POST":
        try:
            form = ArticleAddForm(request.POST, request.FILES)
        except (TooManyFilesSent, TooManyFieldsSent) as exc:
            form = ArticleAddForm()
            form.add_error(None, too_many_files(exc))
            return render(request, "archive/article_add.html", {"form": form}, status=400)
    else:
        form = ArticleAddForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["text"]:
            options = {
                "actor": request.user,
                "source": data["source"],
                "language": data["language"],
            }
            try:
                if data["urls"]:
                    job = imports.create_import(inputs=data["urls"], **options)
                else:
                    job = imports.create_upload_import(uploads=data["file"], **options)
            except imports.ImportTooLarge as exc:
                form.add_error("file", str(exc))
                return render(request, "archive/article_add.html", {"form": form}, status=413)
            return redirect("archive:import-detail", pk=job.pk)
        try:
            result = archive_document(
                _pasted(request, data),
                actor=request.user,
                source=data["source"],
                language=data["language"],
            )
        except IngestError as exc:
            form.add_error(None, f"{exc.item}: {exc.reason}")
        except PermissionDenied as exc:
            # Pasted text for an article already archived: an editor's act.
            form.add_error(None, str(exc))
        else:
            text = {
                Outcome.CREATED: _("Archived as a new article."),
                Outcome.NEW_CAPTURE: _(
                    "The text changed: archived as a new capture of this article; its claims "
                    "were re-anchored."
                ),
                Outcome.UNCHANGED: _("Already archived with identical text: nothing was added."),
            }[result.outcome]
            level = messages.INFO if result.outcome == Outcome.UNCHANGED else messages.SUCCESS
            messages.add_message(request, level, text)
            return redirect("annotations:reader", pk=result.article.pk)
    return render(request, "archive/article_add.html", {"form": form})


# Items on each page of a job's page (the API pages them too: /api/imports/<id>/items/).
PAGE_ITEMS = 100
# What became of an item, as the job's page words it ("3 created, 1 unchanged").
OUTCOME_WORDS = {
    ImportItem.Outcome.CREATED: pgettext_lazy("import outcome", "created"),
    ImportItem.Outcome.NEW_CAPTURE: pgettext_lazy("import outcome", "new capture"),
    ImportItem.Outcome.UNCHANGED: pgettext_lazy("import outcome", "unchanged"),
    ImportItem.Outcome.FAILED: pgettext_lazy("import outcome", "failed"),
}


def job_error(job: ImportJob) -> str:
    """Why the job stopped, as stored; the usual reason, that items failed, in the reader's
    language."""
    if job.error == failed_items_error(job.failed, job.done):
        return ngettext(
            "%(failed)d of %(done)d items failed; each says why.",
            "%(failed)d of %(done)d items failed; each says why.",
            job.failed,
        ) % {"failed": job.failed, "done": job.done}
    return job.error


def outcome_count(outcome: str, count: int) -> str:
    """How many items had `outcome`, in words: "3 created", "1 new capture"."""
    if outcome == ImportItem.Outcome.CREATED:
        text = ngettext("%(count)d created", "%(count)d created", count)
    elif outcome == ImportItem.Outcome.NEW_CAPTURE:
        text = ngettext("%(count)d new capture", "%(count)d new captures", count)
    elif outcome == ImportItem.Outcome.UNCHANGED:
        text = ngettext("%(count)d unchanged", "%(count)d unchanged", count)
    elif outcome == ImportItem.Outcome.FAILED:
        text = ngettext("%(count)d failed", "%(count)d failed", count)
    else:
        return f"{count} {outcome}"
    return text % {"count": count}


@login_required
def import_list(request):
    """The user's imports, newest first (editors: everyone's)."""
    jobs = ImportJob.objects.visible_to(request.user)[:100]
    return render(
        request,
        "archive/import_list.html",
        {"jobs": jobs, "everyone": is_editor(request.user)},
    )


@login_required
def import_detail(request, pk: int):
    """An import's progress and items; htmx polls it for the part that changes."""
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    outcomes = list(
        job.items.order_by("outcome").values_list("outcome").annotate(count=Count("pk"))
    )
    # Items in the order of the inputs, a page at a time (a WARC holds thousands).
    items = job.items.select_related("article").order_by("position")
    total = sum(count for _, count in outcomes)
    page = _Counted(items, total).get_page(request.GET.get("page"))
    for item in page:
        item.outcome_label = OUTCOME_WORDS.get(item.outcome, item.outcome)
    context = {
        "job": job,
        "error": job_error(job),
        "items": page,
        "page": page,
        "inputs": describe_inputs(job),
        "counts": [outcome_count(outcome, count) for outcome, count in outcomes],
    }
    if request.htmx:
        return render(request, "archive/_import_job.html", {**context, "swap": True})
    return render(request, "archive/import_detail.html", context)


class _Counted(Paginator):
    """A paginator of PAGE_ITEMS a page told its count (the page has counted the items by
    outcome already), so it asks the database only for the page."""

    def __init__(self, object_list, count: int):
        super().__init__(object_list, PAGE_ITEMS)
        self._count = count

    @property
    def count(self) -> int:
        return self._count


def capture_warc_download(request, article_id: int, capture_id: int):
    capture = get_object_or_404(
        Capture.objects.select_related("article__source"), pk=capture_id, article_id=article_id
    )
    response = HttpResponse(capture_warc(capture), content_type="application/warc")
    response["Content-Disposition"] = f'attachment; filename="claimdesk-capture-{capture.pk}.warc"'
    return response
