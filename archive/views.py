import difflib
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.roles import is_journalist

from .forms import ArticleAddForm
from .ingest import Document, IngestError, archive_document, fetch_url, parse_html, parse_text
from .models import Article, Capture
from .services import Outcome
from .warc import capture_warc


def home(request):
    articles = Article.objects.select_related("source").with_latest_capture()[:50]
    return render(request, "archive/home.html", {"articles": articles})


def article_detail(request, pk: int):
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    capture = article.captures.order_by("-captured_at", "-pk").first()
    paragraphs = capture.text.split("\n") if capture else []
    return render(
        request,
        "archive/article_detail.html",
        {"article": article, "capture": capture, "paragraphs": [p for p in paragraphs if p]},
    )


# Words with their trailing space, so a changed phrase reads as one run, not word by word.
TOKEN_RE = re.compile(r"\s+|\S+\s*")


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level differences as (kind, text) runs: "same", "removed" or "added"."""
    old, new = TOKEN_RE.findall(before), TOKEN_RE.findall(after)
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            runs.append(("removed", "".join(old[a1:a2])))
        if b2 > b1:
            runs.append(("added", "".join(new[b1:b2])))
    return runs


def capture_diff(request, article_id: int, capture_id: int):
    """What changed in a capture since the article's previous one."""
    capture = get_object_or_404(
        Capture.objects.select_related("article__source"), pk=capture_id, article_id=article_id
    )
    previous = (
        Capture.objects.filter(article_id=article_id, captured_at__lte=capture.captured_at)
        .exclude(pk=capture.pk)
        .order_by("-captured_at", "-pk")
        .first()
    )
    runs = text_diff(previous.text, capture.text) if previous else []
    return render(
        request,
        "archive/capture_diff.html",
        {"article": capture.article, "capture": capture, "previous": previous, "runs": runs},
    )


def _document(request, data: dict) -> Document:
    """The article the form describes, read by the same code as the archive command."""
    if data["url"]:
        return fetch_url(data["url"])
    upload = data["file"]
    if upload:
        content = upload.read()
        if upload.name.lower().endswith(".txt"):
            document = parse_text(content, item=upload.name)
        else:
            document = parse_html(content, item=upload.name)
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
    if not is_journalist(request.user):
        raise PermissionDenied("Only journalists and editors add articles to the archive.")
    if request.method == "POST":
        form = ArticleAddForm(request.POST, request.FILES)
    else:
        form = ArticleAddForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = archive_document(
                _document(request, data), source=data["source"], language=data["language"]
            )
        except IngestError as exc:
            form.add_error(None, f"{exc.item}: {exc.reason}")
        else:
            text = {
                Outcome.CREATED: "Archived as a new article.",
                Outcome.NEW_CAPTURE: "The text changed: archived as a new capture of this "
                "article; its claims were re-anchored.",
                Outcome.UNCHANGED: "Already archived with identical text: nothing was added.",
            }[result.outcome]
            level = messages.INFO if result.outcome == Outcome.UNCHANGED else messages.SUCCESS
            messages.add_message(request, level, text)
            return redirect("archive:article-detail", pk=result.article.pk)
    return render(request, "archive/article_add.html", {"form": form})


def capture_warc_download(request, article_id: int, capture_id: int):
    capture = get_object_or_404(
        Capture.objects.select_related("article__source"), pk=capture_id, article_id=article_id
    )
    response = HttpResponse(capture_warc(capture), content_type="application/warc")
    response["Content-Disposition"] = f'attachment; filename="claimdesk-capture-{capture.pk}.warc"'
    return response
