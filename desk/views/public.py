"""The public record for readers and search engines: the corrections log (a page and an
Atom feed), a withdrawn claim's page (410 Gone), the Atom feed of published fact-checks, the
sitemap of published claim pages and robots.txt. Every address they give is absolute from
CLAIMDESK_PUBLIC_URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from annotations import visibility
from archive.models import LANGUAGE_CHOICES
from desk.views._shared import PAGE_SIZE, claim_url, query_without_page
from publication import corrections
from publication.public import canonical_url, claim_pages, fact_checks

# Items in each Atom feed: the newest.
FEED_SIZE = 50

CORRECTION_KINDS = {
    "retracted": pgettext_lazy("correction", "Retracted"),
    "removed": pgettext_lazy("correction", "Removed"),
    "corrected": pgettext_lazy("correction", "Corrected"),
}
CORRECTED_OBJECTS = {
    "annotation": pgettext_lazy("correction", "an assessment of the claim"),
    "claim": pgettext_lazy("correction", "the claim"),
}


def _correction(row: dict) -> dict:
    return {
        **row,
        # As stated in public (the log lists no return; the policy says so all the same).
        "reason": visibility.public_reason(row["kind"], row["action"], row["reason"]),
        "what": corrections.kind_of(row),
        "kind_label": CORRECTION_KINDS[corrections.kind_of(row)],
        "object_label": CORRECTED_OBJECTS.get(row["kind"], row["kind"]),
        "claim_url": claim_url(row["claim_id"]),
    }


@require_GET
def corrections_log(request: HttpRequest) -> HttpResponse:
    """Every retraction, removal and reasoned edit of published work, newest first."""
    page = Paginator(corrections.entries(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [_correction(row) for row in page.object_list],
        "query": query_without_page(request),
        "canonical": canonical_url(reverse("annotations:corrections")),
    }
    return render(request, "annotations/corrections.html", context)


def withdrawn_claim(request: HttpRequest, gone: corrections.Gone) -> HttpResponse:
    """The page of a claim withdrawn from public: 410 Gone, saying what was withdrawn, when
    and why, newest first, and where every correction is listed; kept out of search
    engines' indexes."""
    context = {
        "gone": gone,
        "rows": [_correction(row) for row in reversed(gone.notices)],
    }
    return render(request, "annotations/claim_withdrawn.html", context, status=410)


class CorrectionsFeed(Feed):
    """/corrections.atom: the corrections log's newest entries."""

    feed_type = Atom1Feed

    def title(self):
        return _("Claimdesk: corrections")

    def subtitle(self):
        return _("Fact-checks retracted, claims removed and published work corrected, with why.")

    def link(self):
        return canonical_url(reverse("annotations:corrections"))

    def feed_url(self):
        return canonical_url(reverse("annotations:corrections-feed"))

    def items(self):
        return [_correction(row) for row in corrections.entries()[:FEED_SIZE]]

    def item_title(self, item):
        return f"{item['kind_label']} — {Truncator(item['claim_text'] or '').chars(100)}"

    def item_description(self, item):
        return _("%(what)s, %(object)s: %(reason)s") % {
            "what": item["kind_label"],
            "object": item["object_label"],
            "reason": item["reason"],
        }

    def item_link(self, item):
        return canonical_url(item["claim_url"])

    def item_guid(self, item):
        return canonical_url(f"{reverse('annotations:corrections')}#correction-{item['id']}")

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item["at"]

    item_updateddate = item_pubdate


class ClaimsFeed(Feed):
    """/claims.atom: the newest published fact-checks (one item per published assessment);
    `?tag=<slug>` and `?language=<code>` narrow it."""

    feed_type = Atom1Feed

    def get_object(self, request):
        languages = {code for code, _name in LANGUAGE_CHOICES}
        language = request.GET.get("language", "")
        return {
            "tag": request.GET.get("tag", ""),
            "language": language if language in languages else "",
        }

    def title(self, narrowed):
        return _("Claimdesk: published fact-checks")

    def subtitle(self, narrowed):
        return _("The newest published assessments of claims in archived news articles.")

    def link(self, narrowed):
        return canonical_url(reverse("annotations:claim-list"))

    def feed_url(self, narrowed):
        return canonical_url(reverse("annotations:claims-feed"))

    def items(self, narrowed):
        return fact_checks(**narrowed)[:FEED_SIZE]

    def item_title(self, annotation):
        return Truncator(annotation.claim.text).chars(150)

    def item_description(self, annotation):
        if annotation.verdict:
            verdict = _("Verdict: %(verdict)s.") % {"verdict": annotation.get_verdict_display()}
            return f"{verdict} {annotation.rationale}".strip()
        return annotation.rationale

    def item_link(self, annotation):
        return canonical_url(claim_url(annotation.claim_id, annotation.pk))

    def item_author_name(self, annotation):
        return annotation.author.get_full_name() or annotation.author.get_username()

    def item_pubdate(self, annotation):
        return annotation.published_at

    def item_updateddate(self, annotation):
        return annotation.updated_at

    def item_categories(self, annotation):
        return [tag.label_in() for tag in annotation.tags.all()]


class ClaimSitemap(Sitemap):
    """The published claims' pages (what anonymous readers may see: a withdrawn claim
    leaves), each with the time of its last public change."""

    def items(self):
        return claim_pages()

    def location(self, item):
        return claim_url(item["pk"])

    def lastmod(self, item):
        return max(filter(None, (item["last_change"], item["updated_at"])))

    # Addresses from the public URL, whatever host the request came through.
    def get_protocol(self, protocol=None):
        return urlsplit(settings.CLAIMDESK_PUBLIC_URL).scheme

    def get_domain(self, site=None):
        public = urlsplit(settings.CLAIMDESK_PUBLIC_URL)
        return public.netloc + public.path


SITEMAPS = {"claims": ClaimSitemap}


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /api/",
        "Disallow: /i18n/",
        f"Sitemap: {canonical_url(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
