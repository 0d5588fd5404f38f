"""Linked-data renderings of the corpus: W3C Web Annotations (one per published annotation,
and paged collections of them) and schema.org ClaimReview (one per published verdict).

Confidence and verdict have no term in the Web Annotation vocabulary; they travel as
`confidence` and `verdict` defined by Claimdesk's own JSON-LD context (served at
/ns/claimdesk.jsonld, see CLAIMDESK_CONTEXT), next to the W3C one.
"""

from django.urls import reverse

from .models import Annotation, Claim, Evidence

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
W3C_MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
CONTEXT_PATH = "/ns/claimdesk.jsonld"


def claimdesk_context(vocabulary: str) -> dict:
    """The JSON-LD context of Claimdesk's extension terms; `vocabulary` is the IRI prefix of
    the terms (this server's /ns/claimdesk#)."""
    return {
        "@context": {
            "cd": vocabulary,
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "confidence": {"@id": "cd:confidence", "@type": "xsd:decimal"},
            "verdict": {"@id": "cd:verdict"},
            "claim": {"@id": "cd:claim", "@type": "@id"},
            "claimText": {"@id": "cd:claimText"},
            "stance": {"@id": "cd:stance"},
            "note": {"@id": "cd:note"},
        }
    }


class Links:
    """Absolute IRIs of this server's resources for one request."""

    def __init__(self, request):
        self.request = request

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def annotation(self, annotation_id: int) -> str:
        return self.absolute(reverse("api:annotation-detail", args=[annotation_id]))

    def claim(self, claim_id: int) -> str:
        return self.absolute(reverse("api:claim-detail", args=[claim_id]))

    def capture(self, capture_id: int) -> str:
        return self.absolute(reverse("api:capture-detail", args=[capture_id]))

    def context(self) -> list[str]:
        return [ANNO_CONTEXT, self.absolute(CONTEXT_PATH)]


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _text_body(value: str, purpose: str) -> dict:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def _evidence_body(evidence: Evidence, links: Links) -> dict:
    body: dict = {"type": "SpecificResource", "purpose": "linking", "stance": evidence.stance}
    if evidence.kind == Evidence.Kind.CAPTURE:
        body["source"] = links.capture(evidence.capture_id)
        if evidence.quote:
            body["selector"] = {"type": "TextQuoteSelector", "exact": evidence.quote}
    elif evidence.kind == Evidence.Kind.DOCUMENT:
        body["source"] = links.absolute(evidence.document.url)
    else:
        body["source"] = evidence.url
    if evidence.note:
        body["note"] = evidence.note
    return body


def _targets(claim: Claim, links: Links) -> list[dict]:
    targets = []
    for appearance in claim.appearances.all():
        quote_selector = {"type": "TextQuoteSelector", "exact": appearance.quote}
        if appearance.prefix:
            quote_selector["prefix"] = appearance.prefix
        if appearance.suffix:
            quote_selector["suffix"] = appearance.suffix
        target = {
            "type": "SpecificResource",
            "source": links.capture(appearance.capture_id),
            "selector": [
                quote_selector,
                {"type": "TextPositionSelector", "start": appearance.start, "end": appearance.end},
            ],
        }
        if appearance.capture.article.url:
            target["scope"] = appearance.capture.article.url
        targets.append(target)
    # A claim not (yet) marked in any capture: the annotation is about the claim itself.
    return targets or [{"id": links.claim(claim.pk), "type": "Text"}]


def web_annotation(annotation: Annotation, links: Links, *, context: bool = True) -> dict:
    """The W3C Web Annotation for `annotation`, whose claim has its appearances loaded
    (`with_details`): targets the quoted spans of the captures, tags are `tagging` bodies,
    the rationale an `assessing` body, evidence `linking` bodies."""
    claim = annotation.claim
    bodies = [_text_body(tag.label, "tagging") for tag in annotation.tags.all()]
    if annotation.rationale:
        bodies.append(_text_body(annotation.rationale, "assessing"))
    bodies.extend(_evidence_body(evidence, links) for evidence in annotation.evidence.all())
    document: dict = {}
    if context:
        document["@context"] = links.context()
    document.update(
        {
            "id": links.annotation(annotation.pk),
            "type": "Annotation",
            "motivation": "assessing",
            "created": _iso(annotation.created_at),
            "modified": _iso(annotation.updated_at),
            "creator": {"type": "Person", "nickname": annotation.author.username},
        }
    )
    if annotation.author.get_full_name():
        document["creator"]["name"] = annotation.author.get_full_name()
    if bodies:
        document["body"] = bodies
    document["target"] = _targets(claim, links)
    document["confidence"] = float(annotation.confidence)
    if annotation.verdict:
        document["verdict"] = annotation.verdict
    document["claim"] = links.claim(claim.pk)
    document["claimText"] = claim.text
    return {key: value for key, value in document.items() if value is not None}


def annotation_page(
    annotations,
    links: Links,
    *,
    page_id: str,
    collection_id: str,
    next_id: str | None,
    prev_id: str | None,
    context: bool = True,
) -> dict:
    """One AnnotationPage: `partOf` names the collection by its IRI (the W3C conformance
    suite accepts nothing else); the collection itself carries the total."""
    page: dict = {}
    if context:
        page["@context"] = links.context()
    page.update(
        {
            "id": page_id,
            "type": "AnnotationPage",
            "partOf": collection_id,
        }
    )
    if next_id:
        page["next"] = next_id
    if prev_id:
        page["prev"] = prev_id
    page["items"] = [web_annotation(a, links, context=False) for a in annotations]
    return page


COLLECTION_LABEL = "Claimdesk: published annotations of claims in archived news articles"


def annotation_collection(links: Links, *, collection_id: str, total: int, first: dict | str):
    document = {
        "@context": links.context(),
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": COLLECTION_LABEL,
        "total": total,
    }
    if total:
        document["first"] = first
    return document


# schema.org ClaimReview

# Verdicts on a 1–5 scale (worst to best); "unverifiable" has no place on it and carries
# only its name.
RATING_VALUES = {
    Annotation.Verdict.FALSE: 1,
    Annotation.Verdict.MISLEADING: 2,
    Annotation.Verdict.MOSTLY_ACCURATE: 4,
    Annotation.Verdict.ACCURATE: 5,
}


def _appearance_work(appearance, links: Links) -> dict:
    article = appearance.capture.article
    work: dict = {
        "@type": "NewsArticle",
        "headline": article.title,
        "url": article.url or links.capture(appearance.capture_id),
        "archivedAt": links.capture(appearance.capture_id),
    }
    if article.published_at:
        work["datePublished"] = _iso(article.published_at)
    if article.language:
        work["inLanguage"] = article.language
    if article.authors:
        work["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    if article.source:
        work["publisher"] = {"@type": "Organization", "name": article.source.name}
    return work


def claim_reviews(claim: Claim, links: Links) -> dict:
    """A JSON-LD graph of one ClaimReview per published annotation of `claim` that has a
    verdict. `claim` comes from `with_details()` for an anonymous reader (published only)."""
    item_reviewed: dict = {
        "@type": "Claim",
        "text": claim.text,
        "inLanguage": claim.language,
        "appearance": [_appearance_work(a, links) for a in claim.appearances.all()],
    }
    if claim.claimant:
        item_reviewed["author"] = {"@type": "Thing", "name": claim.claimant}
    graph = []
    for annotation in claim.visible_annotations:
        if annotation.status != Annotation.Status.PUBLISHED or not annotation.verdict:
            continue
        rating = {
            "@type": "Rating",
            "alternateName": annotation.get_verdict_display().capitalize(),
            "worstRating": 1,
            "bestRating": 5,
        }
        if annotation.verdict in RATING_VALUES:
            rating["ratingValue"] = RATING_VALUES[annotation.verdict]
        author = {
            "@type": "Person",
            "name": annotation.author.get_full_name() or annotation.author.username,
        }
        review = {
            "@type": "ClaimReview",
            "url": links.annotation(annotation.pk),
            "claimReviewed": claim.text,
            "itemReviewed": item_reviewed,
            "reviewRating": rating,
            "author": author,
            "datePublished": _iso(annotation.published_at)[:10],
            "inLanguage": claim.language,
        }
        if annotation.rationale:
            review["reviewBody"] = annotation.rationale
        graph.append(review)
    return {"@context": "https://schema.org", "@graph": graph}
