from django.shortcuts import get_object_or_404, render

from .models import Article


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
