"""Archive pages that need no claims: adding an article, downloading a capture as WARC.
Pages that show claims next to the text (home, the articles list, the reader, capture
history) live in `annotations.views`, since annotations depends on archive and never the
reverse."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import rules
from .forms import ArticleAddForm
from .ingest.documents import Document, IngestError
from .ingest.fetch import fetch_url
from .ingest.readers import parse_html, parse_text
from .models import Capture
from .services import Outcome, archive_document
from .warc import capture_warc


def _document(request, data: dict) -> Document:
    """The article the form describes, read by the same code as the archive command."""
    if data["url"]:
        return fetch_url(data["url"])
    upload = data["file"]
    if upload:
        content = upload.read()
        if upload.name.lower().endswith(".txt"):
            document = parse_text(content, item=upload.name, origin=Capture.Origin.UPLOAD)
        else:
            document = parse_html(content, item=upload.name, origin=Capture.Origin.UPLOAD)
        document.origin_location = f"upload by {request.user.username}: {upload.name}"
        return document
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
    rules.require(
        rules.can_archive_articles(request.user),
        _("Only journalists and editors add articles to the archive."),
    )
    if request.method == "POST":
        form = ArticleAddForm(request.POST, request.FILES)
    else:
        form = ArticleAddForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = archive_document(
                _document(request, data),
                actor=request.user,
                source=data["source"],
                language=data["language"],
            )
        except IngestError as exc:
            form.add_error(None, f"{exc.item}: {exc.reason}")
        except PermissionDenied as exc:
            # Pasted or uploaded text for an article already archived: an editor's act.
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


def capture_warc_download(request, article_id: int, capture_id: int):
    capture = get_object_or_404(
        Capture.objects.select_related("article__source"), pk=capture_id, article_id=article_id
    )
    response = HttpResponse(capture_warc(capture), content_type="application/warc")
    response["Content-Disposition"] = f'attachment; filename="claimdesk-capture-{capture.pk}.warc"'
    return response
