"""What the page modules share: lookups that 404 on anything the user may not see, and the
small pieces of URL and request handling they all use."""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotations import rules
from annotations.models import Annotation, Claim
from archive.models import Article, Capture

PAGE_SIZE = 25
STALE_MESSAGE = _(
    "This annotation was changed elsewhere after you opened it, so your change was not saved. "
    "Check what it says now and apply your change again."
)


def visible_claim(user, pk: int, queryset=None) -> Claim:
    queryset = queryset if queryset is not None else Claim.objects.all()
    return get_object_or_404(queryset.visible_to(user), pk=pk)


def visible_annotation(user, pk: int, may=None, refusal: str = "") -> Annotation:
    """The annotation `pk` if `user` may see it (else 404) and, given the rule `may`, may
    act on it (else 403 saying `refusal`)."""
    queryset = (
        Annotation.objects.visible_to(user)
        .filter(claim__deleted_at__isnull=True)
        .select_related("claim", "author")
    )
    annotation = get_object_or_404(queryset, pk=pk)
    if may is not None:
        rules.require(may(user, annotation), refusal)
    return annotation


def article_capture(article: Article, capture_id: str | None = None) -> Capture | None:
    """The capture of `article` the request names (404 if it names none of them), else its
    latest; None when the article has no capture."""
    captures = article.captures.defer("raw")
    if capture_id:
        if not capture_id.isdigit():
            raise Http404(gettext("No such capture of this article."))
        return get_object_or_404(captures, pk=capture_id)
    try:
        return captures.latest()
    except Capture.DoesNotExist:
        return None


def claim_url(claim_id: int, annotation_id: int | None = None) -> str:
    url = reverse("annotations:claim-detail", args=[claim_id])
    return f"{url}#annotation-{annotation_id}" if annotation_id else url


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` the form sent if it is on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
