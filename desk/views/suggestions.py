"""Acting on the analysis' suggestions: applying a capture-level tag (e.g.
`spun-or-garbled-text`) to the capture's claim in one click. Suggested claims are accepted
through the usual marking page, which takes the suggested tags as `?tags=`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotations import rules, services
from archive.models import Article
from desk.views._shared import article_capture, claim_url
from intelligence.analysis import analyse


@login_required
@require_POST
def tag_capture(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a tag the capture's analysis suggests to the capture's claim."""
    user = request.user
    rules.require(rules.can_annotate(user), _("Only journalists and editors tag captures."))
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    capture = article_capture(article, request.POST.get("capture"))
    reader = redirect("annotations:reader", article.pk)
    if capture is None:
        messages.error(request, _("This article has no capture to tag."))
        return reader
    analysis = analyse(capture, user)
    slug = request.POST.get("tag", "")
    if slug not in analysis.tags:
        messages.error(
            request, _("The analysis of this capture does not suggest “%(tag)s”.") % {"tag": slug}
        )
        return reader
    words = ", ".join(dict.fromkeys(span["text"] for span in analysis.foreign_spans))
    try:
        annotation = services.tag_capture(
            user=user,
            capture=capture,
            tag=slug,
            rationale=f"{len(analysis.foreign_spans)} foreign-language insertions: {words}.",
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return reader
    messages.success(request, _("Tagged “%(tag)s” on the article’s claim.") % {"tag": slug})
    return redirect(claim_url(annotation.claim_id, annotation.pk))
