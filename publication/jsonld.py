"""Linked-data renderings of the corpus: W3C Web Annotations (one per published annotation,
and paged collections of them) and schema.org ClaimReview (one per published verdict).

Confidence and verdict have no term in the Web Annotation vocabulary; they travel as
`confidence` and `verdict` defined by Claimdesk's own JSON-LD context (served at
/ns/claimdesk.jsonld, see CLAIMDESK_CONTEXT), next to the W3C one.

Both are built from the claim, appearance, annotation and evidence dicts of
`publication.representations`, plus the few facts they add (a person's full name, an
article's authors).
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from annotations.models import Annotation, Evidence
from archive.models import Article
from publication import representations

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
    """Absolute IRIs of this server's resources: as the request reached it, or (`base`, for
    what the public pages embed) from the site's public address, CLAIMDESK_PUBLIC_URL."""

    def __init__(self, request=None, *, base: str = ""):
        self.request = request
        self.base = base.rstrip("/")

    @classmethod
    def public(cls) -> "Links":
        return cls(base=settings.CLAIMDESK_PUBLIC_URL)

    def absolute(self, path: str) -> str:
        if self.base:
            return self.base + path
        return self.request.build_absolute_uri(path)

    def annotation(self, annotation_id: int) -> str:
        return self.absolute(reverse("api:annotation-detail", args=[annotation_id]))

    def claim(self, claim_id: int) -> str:
        return self.absolute(reverse("api:claim-detail", args=[claim_id]))

    def claim_page(self, claim_id: int, annotation_id: int) -> str:
        """The page a person reads: the claim, scrolled to the annotation."""
        page = reverse("annotations:claim-detail", args=[claim_id])
        return self.absolute(f"{page}#annotation-{annotation_id}")

    def capture(self, capture_id: int) -> str:
        return self.absolute(reverse("api:capture-detail", args=[capture_id]))

    def context(self) -> list[str]:
        return [ANNO_CONTEXT, self.absolute(CONTEXT_PATH)]


def _text_body(value: str, purpose: str) -> dict:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def _full_name(first_name: str, last_name: str) -> str:
    """As `User.get_full_name()`."""
    return f"{first_name} {last_name}".strip()


def _evidence_body(evidence: dict, links: Links) -> dict:
    body: dict = {"type": "SpecificResource", "purpose": "linking", "stance": evidence["stance"]}
    if evidence["kind"] == Evidence.Kind.CAPTURE:
        body["source"] = links.capture(evidence["capture"])
        if evidence["quote"]:
            body["selector"] = {"type": "TextQuoteSelector", "exact": evidence["quote"]}
    elif evidence["kind"] == Evidence.Kind.DOCUMENT:
        body["source"] = links.absolute(evidence["document"])
    else:
        body["source"] = evidence["url"]
    if evidence["note"]:
        body["note"] = evidence["note"]
    return body


def _targets(claim: dict, links: Links) -> list[dict]:
    targets = []
    for appearance in claim["appearances"]:
        selector = appearance["selector"]
        quote_selector = {"type": "TextQuoteSelector", "exact": appearance["quote"]}
        if selector["prefix"]:
            quote_selector["prefix"] = selector["prefix"]
        if selector["suffix"]:
            quote_selector["suffix"] = selector["suffix"]
        target = {
            "type": "SpecificResource",
            "source": links.capture(appearance["capture"]),
            "selector": [
                quote_selector,
                {
                    "type": "TextPositionSelector",
                    "start": selector["start"],
                    "end": selector["end"],
                },
            ],
        }
        if appearance["article"]["url"]:
            target["scope"] = appearance["article"]["url"]
        targets.append(target)
    # A claim not (yet) marked in any capture: the annotation is about the claim itself.
    return targets or [{"id": links.claim(claim["id"]), "type": "Text"}]


def web_annotation(
    annotation: dict, claim: dict, links: Links, *, creator_name: str = "", context: bool = True
) -> dict:
    """The W3C Web Annotation of an annotation's representation, about `claim` (whose id,
    text and appearances are read): targets the quoted spans of the captures, tags are
    `tagging` bodies, the rationale an `assessing` body, evidence `linking` bodies."""
    bodies = [_text_body(tag["label"], "tagging") for tag in annotation["tags"]]
    if annotation["rationale"]:
        bodies.append(_text_body(annotation["rationale"], "assessing"))
    bodies.extend(_evidence_body(evidence, links) for evidence in annotation["evidence"])
    document: dict = {}
    if context:
        document["@context"] = links.context()
    document.update(
        {
            "id": links.annotation(annotation["id"]),
            "type": "Annotation",
            "motivation": "assessing",
            "created": annotation["created_at"],
            "modified": annotation["updated_at"],
            "creator": {"type": "Person", "nickname": annotation["author"]},
        }
    )
    if creator_name:
        document["creator"]["name"] = creator_name
    if bodies:
        document["body"] = bodies
    document["target"] = _targets(claim, links)
    document["confidence"] = annotation["confidence"]
    if annotation["verdict"]:
        document["verdict"] = annotation["verdict"]
    document["claim"] = links.claim(claim["id"])
    document["claimText"] = claim["text"]
    return {key: value for key, value in document.items() if value is not None}


# What a Web Annotation reads of an annotation: its representation, its author's name and its
# claim's wording.
WEB_ANNOTATION_FIELDS = (
    *representations.ANNOTATION_FIELDS,
    "author__first_name",
    "author__last_name",
    "claim__text",
)


def web_annotations(rows: Iterable[Mapping], links: Links, *, context: bool = False) -> list[dict]:
    """The Web Annotations of these annotation rows (`.values(*WEB_ANNOTATION_FIELDS)`), in
    their order: three more queries (their tags, their evidence, their claims' appearances),
    none for no rows."""
    rows = list(rows)
    if not rows:
        return []
    annotations = {row["id"]: representations.annotation(row) for row in rows}
    representations.add_tags_and_evidence(annotations)
    appearances = representations.appearances_by_claim(sorted({row["claim_id"] for row in rows}))
    return [
        web_annotation(
            annotations[row["id"]],
            {
                "id": row["claim_id"],
                "text": row["claim__text"],
                "appearances": appearances[row["claim_id"]],
            },
            links,
            creator_name=_full_name(row["author__first_name"], row["author__last_name"]),
            context=context,
        )
        for row in rows
    ]


def annotation_page(
    rows: Iterable[Mapping],
    links: Links,
    *,
    page_id: str,
    collection_id: str,
    next_id: str | None,
    prev_id: str | None,
    context: bool = True,
) -> dict:
    """One AnnotationPage of these annotation rows (as for `web_annotations`): `partOf` names
    the collection by its IRI (the W3C conformance suite accepts nothing else); the
    collection itself carries the total."""
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
    page["items"] = web_annotations(rows, links)
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


def _appearance_work(appearance: dict, links: Links, authors: Mapping[int, list]) -> dict:
    article = appearance["article"]
    work: dict = {
        "@type": "NewsArticle",
        "headline": article["title"],
        "url": article["url"] or links.capture(appearance["capture"]),
        "archivedAt": links.capture(appearance["capture"]),
    }
    if article["published_at"]:
        work["datePublished"] = article["published_at"]
    if article["language"]:
        work["inLanguage"] = article["language"]
    if authors.get(article["id"]):
        work["author"] = [{"@type": "Person", "name": name} for name in authors[article["id"]]]
    if article["source"]:
        work["publisher"] = {"@type": "Organization", "name": article["source"]["name"]}
    return work


def claim_reviews(claim: dict, links: Links) -> dict:
    """A JSON-LD graph of one ClaimReview per published annotation that has a verdict in the
    representation `claim` (for an anonymous reader: published annotations only). Reads the
    reviewers' full names and the articles' authors: two queries."""
    reviews = [
        annotation
        for annotation in claim["annotations"]
        if annotation["status"] == Annotation.Status.PUBLISHED and annotation["verdict"]
    ]
    article_ids = {appearance["article"]["id"] for appearance in claim["appearances"]}
    authors = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "authors"))
    names = {
        username: _full_name(first_name, last_name)
        for username, first_name, last_name in get_user_model()
        .objects.filter(username__in={annotation["author"] for annotation in reviews})
        .values_list("username", "first_name", "last_name")
    }
    item_reviewed: dict = {
        "@type": "Claim",
        "text": claim["text"],
        "inLanguage": claim["language"],
        "appearance": [_appearance_work(a, links, authors) for a in claim["appearances"]],
    }
    if claim["claimant"]:
        item_reviewed["author"] = {"@type": "Thing", "name": claim["claimant"]}
    verdicts = dict(Annotation.Verdict.choices)
    # The verdict is named in the claim's language when the interface speaks it.
    interface = {code for code, _name in settings.LANGUAGES}
    language = claim["language"] if claim["language"] in interface else settings.LANGUAGE_CODE
    graph = []
    for annotation in reviews:
        with translation.override(language):
            name = str(verdicts.get(annotation["verdict"], annotation["verdict"])).capitalize()
        rating = {
            "@type": "Rating",
            "alternateName": name,
            "worstRating": 1,
            "bestRating": 5,
        }
        if annotation["verdict"] in RATING_VALUES:
            rating["ratingValue"] = RATING_VALUES[annotation["verdict"]]
        author = {
            "@type": "Person",
            "name": names.get(annotation["author"]) or annotation["author"],
        }
        review = {
            "@type": "ClaimReview",
            "url": links.claim_page(claim["id"], annotation["id"]),
            "claimReviewed": claim["text"],
            "itemReviewed": item_reviewed,
            "reviewRating": rating,
            "author": author,
            "datePublished": annotation["published_at"][:10],
            "inLanguage": claim["language"],
        }
        if annotation["rationale"]:
            review["reviewBody"] = annotation["rationale"]
        graph.append(review)
    return {"@context": "https://schema.org", "@graph": graph}
