"""What the public record tells readers and search engines: a claim page's canonical address
(from CLAIMDESK_PUBLIC_URL), its ClaimReview JSON-LD (the API's, built by the same code from
the anonymous representation) and its verdicts; the claims with a public page (the sitemap);
the published fact-checks (the Atom feed).

Read from the published read model, so a claim an anonymous reader may not see has none."""

from dataclasses import dataclass

import orjson
from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from annotations.models import Annotation
from journal.models import Entry
from publication import jsonld, published


@dataclass(frozen=True)
class ClaimPage:
    canonical: str  # the page's one public address
    claim: dict  # the anonymous representation
    claim_review: dict  # the JSON-LD graph (empty when nothing has a published verdict)
    verdicts: list[str]  # the published verdicts' codes, oldest first, once each


def canonical_url(path: str) -> str:
    return jsonld.Links.public().absolute(path)


def claim_page(claim_id: int) -> ClaimPage | None:
    """The public facts of claim `claim_id`'s page, or None when anonymous readers may not see
    it: three queries (the stored document; the articles' authors and the reviewers' names
    for the ClaimReview)."""
    document = published.stored_documents([claim_id]).get(claim_id)
    if document is None:
        return None
    claim = orjson.loads(document)
    links = jsonld.Links.public()
    verdicts = [
        annotation["verdict"]
        for annotation in claim["annotations"]
        if annotation["status"] == Annotation.Status.PUBLISHED and annotation["verdict"]
    ]
    return ClaimPage(
        canonical=links.absolute(reverse("annotations:claim-detail", args=[claim_id])),
        claim=claim,
        claim_review=jsonld.claim_reviews(claim, links),
        verdicts=list(dict.fromkeys(verdicts)),
    )


def claim_pages():
    """The claims with a public page (those the read model holds: a withdrawn claim has
    none), oldest first, as rows of `pk`, `updated_at` and `last_change` (the time of their
    last public journal entry): one query."""
    last_change = (
        Entry.objects.filter(claim_id=OuterRef("pk"), public=True).order_by("-at").values("at")[:1]
    )
    return (
        published.claims()
        .annotate(last_change=Subquery(last_change))
        .order_by("pk")
        .values("pk", "updated_at", "last_change")
    )


def fact_checks(*, tag: str = "", language: str = ""):
    """The published assessments anonymous readers see, newest first, with their claims and
    authors, and their tags prefetched (two queries); `tag` (a slug) and `language` (the
    claim's) narrow them."""
    assessments = (
        Annotation.objects.visible_to(AnonymousUser())
        .filter(claim__in=published.claims().values("pk"))
        .select_related("claim", "author")
        .prefetch_related("tags")
        .order_by("-published_at", "-pk")
    )
    if tag:
        assessments = assessments.filter(tags__slug=tag)
    if language:
        assessments = assessments.filter(claim__language=language)
    return assessments
