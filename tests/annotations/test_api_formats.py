"""Standard formats: W3C Web Annotation (checked against the W3C conformance assertions),
schema.org ClaimReview, and the JSON Lines export."""

import json
from pathlib import Path

import jsonschema
import pytest
import referencing
import referencing.jsonschema
from django.utils import timezone

from annotations import services
from annotations.models import Annotation, Claim
from tests import factories
from tests.factories import CLAIM_SENTENCE, AnnotationFactory, ClaimFactory, annotated_claims

pytestmark = pytest.mark.django_db

CONFORMANCE = Path(__file__).resolve().parent.parent / "conformance" / "w3c-annotation-model"
W3C_MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def _registry() -> referencing.Registry:
    """Every draft-04 schema of the conformance data, found by its `id`."""
    resources = []
    for path in CONFORMANCE.rglob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resource = referencing.jsonschema.DRAFT4.create_resource(schema)
        resources.append((schema["id"], resource))
    return referencing.Registry().with_resources(resources)


REGISTRY = _registry()


def conformance_failures(test_file: str, document: dict) -> list[str]:
    """The MUST assertions of `test_file` that `document` fails. Assertion names with a "/"
    are relative to the data's root, others to the .test file; a few assertion files of
    the W3C suite were not recoverable and are skipped (absent_assertions lists them)."""
    test_path = CONFORMANCE / test_file
    failures = []
    for name in json.loads(test_path.read_text(encoding="utf-8"))["assertions"]:
        path = CONFORMANCE / name if "/" in name else test_path.parent / name
        if not path.exists():
            continue
        assertion = json.loads(path.read_text(encoding="utf-8"))
        validator = jsonschema.Draft4Validator(
            assertion, registry=REGISTRY, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
        )
        valid = validator.is_valid(document)
        if valid != (assertion.get("expectedResult", "valid") == "valid"):
            failures.append(f"{name}: {assertion.get('errorMessage', assertion.get('title'))}")
    return failures


def absent_assertions(test_file: str) -> list[str]:
    test_path = CONFORMANCE / test_file
    names = json.loads(test_path.read_text(encoding="utf-8"))["assertions"]
    return [
        n for n in names if not (CONFORMANCE / n if "/" in n else test_path.parent / n).exists()
    ]


def test_conformance_checker_catches_a_broken_annotation():
    assert absent_assertions("annotations/annotationMusts.test") == []
    assert absent_assertions("collections/pages/pageMusts.test") == [
        "collections/pages/5.2-pageContextValidated.json"
    ]
    broken = {"@context": "http://example.org/other", "type": "Note", "body": "x", "bodyValue": "y"}
    failures = conformance_failures("annotations/annotationMusts.test", broken)
    assert any("annotationContextValidated" in f for f in failures)
    assert any("annotationTypeValidated" in f for f in failures)
    assert any("targetKeyFound" in f for f in failures)
    assert any("notBodyBodyValue" in f for f in failures)


@pytest.fixture
def rich_annotation(alice_journalist, erin_editor):
    """A published annotation with tags, rationale and all three kinds of evidence."""
    capture = factories.CaptureFactory(article__url="https://news.example.org/kg")
    start = capture.text.index(CLAIM_SENTENCE)
    claim = services.mark_claim(
        user=alice_journalist,
        capture=capture,
        start=start,
        end=start + len(CLAIM_SENTENCE),
        quote=CLAIM_SENTENCE,
    )[0].claim
    annotation = AnnotationFactory(
        claim=claim,
        author=alice_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
        verdict=Annotation.Verdict.UNVERIFIABLE,
        tags=[factories.TagFactory(slug="no-official-reason-given", label="No official reason")],
    )
    factories.EvidenceFactory(annotation=annotation, note="The ministry's page.")
    factories.EvidenceFactory(
        annotation=annotation,
        kind="capture",
        url="",
        capture=capture,
        quote="le Kirghizistan a annulé",
        stance="context",
    )
    return annotation


def test_published_annotation_is_a_conforming_web_annotation(api, rich_annotation):
    claim = rich_annotation.claim
    appearance = claim.appearances.get()
    response = api.get(f"/api/annotations/{rich_annotation.pk}/w3c/")
    assert response.status_code == 200
    assert response["Content-Type"] == W3C_MEDIA_TYPE
    document = response.json()
    assert conformance_failures("annotations/annotationMusts.test", document) == []
    host = "http://testserver"
    capture_iri = f"{host}/api/captures/{appearance.capture_id}/"
    assert document["@context"] == [
        "http://www.w3.org/ns/anno.jsonld",
        f"{host}/ns/claimdesk.jsonld",
    ]
    assert document["id"] == f"{host}/api/annotations/{rich_annotation.pk}/"
    assert document["type"] == "Annotation"
    assert document["motivation"] == "assessing"
    assert document["creator"] == {"type": "Person", "nickname": "alice_journalist"}
    assert document["target"] == [
        {
            "type": "SpecificResource",
            "source": capture_iri,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": appearance.quote,
                    "prefix": appearance.prefix,
                    "suffix": appearance.suffix,
                },
                {"type": "TextPositionSelector", "start": appearance.start, "end": appearance.end},
            ],
            "scope": "https://news.example.org/kg",
        }
    ]
    assert document["body"] == [
        {
            "type": "TextualBody",
            "purpose": "tagging",
            "value": "No official reason",
            "format": "text/plain",
        },
        {
            "type": "TextualBody",
            "purpose": "assessing",
            "value": rich_annotation.rationale,
            "format": "text/plain",
        },
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "stance": "supports",
            "source": "https://www.example.org/statement",
            "note": "The ministry's page.",
        },
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "stance": "context",
            "source": capture_iri,
            "selector": {"type": "TextQuoteSelector", "exact": "le Kirghizistan a annulé"},
        },
    ]
    assert (document["confidence"], document["verdict"]) == (0.8, "unverifiable")
    assert document["claim"] == f"{host}/api/claims/{claim.pk}/"
    # The target's position selector really points at the quote.
    capture_text = api.get(capture_iri).json()["text"]
    assert capture_text[appearance.start : appearance.end] == appearance.quote


def test_web_annotation_by_content_negotiation(api, rich_annotation):
    response = api.get(f"/api/annotations/{rich_annotation.pk}/", HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"] == W3C_MEDIA_TYPE
    assert response.json() == api.get(f"/api/annotations/{rich_annotation.pk}/w3c/").json()
    plain = api.get(f"/api/annotations/{rich_annotation.pk}/")
    assert plain["Content-Type"] == "application/json"


def test_unpublished_annotation_has_no_web_annotation(as_user, erin_editor, alice_journalist):
    draft = AnnotationFactory(claim=ClaimFactory(), author=alice_journalist)
    response = as_user(erin_editor).get(f"/api/annotations/{draft.pk}/w3c/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "Only published annotations" in response.json()["detail"]


def test_extension_context_defines_the_terms_we_use(api, rich_annotation):
    response = api.get("/ns/claimdesk.jsonld")
    assert response["Content-Type"] == "application/ld+json"
    terms = response.json()["@context"]
    document = api.get(f"/api/annotations/{rich_annotation.pk}/w3c/").json()
    anno_terms = {"@context", "id", "type", "motivation", "created", "modified", "creator"}
    anno_terms |= {"body", "target"}
    assert set(document) - anno_terms <= set(terms)
    assert terms["confidence"] == {"@id": "cd:confidence", "@type": "xsd:decimal"}
    assert terms["cd"] == "http://testserver/ns/claimdesk#"


def test_collection_and_pages_conform_and_link_every_published_annotation(api, rich_annotation):
    annotated_claims(3)  # nine more published annotations
    collection = api.get("/api/annotations/w3c/?page_size=4")
    assert collection["Content-Type"] == W3C_MEDIA_TYPE
    document = collection.json()
    assert document["type"] == "AnnotationCollection"
    assert document["total"] == 10
    assert conformance_failures("collections/pages/pageMusts.test", document) == []
    page = document["first"]
    context = document["@context"]
    seen = []
    while True:
        assert page["type"] == "AnnotationPage"
        assert page["partOf"] == "http://testserver/api/annotations/w3c/"
        for item in page["items"]:
            # Items inherit the page's (or collection's) @context, as JSON-LD nesting does.
            assert "@context" not in item
            standalone = {"@context": context, **item}
            assert conformance_failures("annotations/annotationMusts.test", standalone) == []
        seen.extend(item["id"] for item in page["items"])
        if "next" not in page:
            break
        response = api.get(page["next"])
        assert response["Content-Type"] == W3C_MEDIA_TYPE
        page = response.json()
        assert conformance_failures("collections/pages/pageMusts.test", page) == []
        context = page["@context"]
        assert context[0] == "http://www.w3.org/ns/anno.jsonld"
    published = Annotation.objects.published().order_by("pk")
    assert seen == [f"http://testserver/api/annotations/{a.pk}/" for a in published]


def test_annotation_list_by_content_negotiation_is_a_page(api, rich_annotation):
    response = api.get("/api/annotations/", HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"] == W3C_MEDIA_TYPE
    page = response.json()
    assert page["type"] == "AnnotationPage"
    assert conformance_failures("collections/pages/pageMusts.test", page) == []


@pytest.mark.parametrize("count", [1, 30])
def test_web_annotation_page_query_count(api, django_assert_num_queries, count):
    annotated_claims(count)
    # annotations (+ author, reviewer, claim); tags; evidence; claims' appearances (+ capture,
    # article, source).
    with django_assert_num_queries(4):
        response = api.get("/api/annotations/w3c/page/?page_size=100")
    assert len(response.json()["items"]) == count * 3


# schema.org ClaimReview


def test_claim_review_has_the_required_fields(api, seeded):
    claim = Claim.objects.get()
    annotation = claim.annotations.get()
    capture = claim.appearances.get().capture
    response = api.get(f"/api/claims/{claim.pk}/claimreview/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = response.json()
    assert document["@context"] == "https://schema.org"
    [review] = document["@graph"]
    assert review == {
        "@type": "ClaimReview",
        # The page a person reads, not the API's JSON.
        "url": f"http://testserver/claims/{claim.pk}/#annotation-{annotation.pk}",
        "claimReviewed": claim.text,
        "itemReviewed": {
            "@type": "Claim",
            "text": claim.text,
            "inLanguage": "fr",
            "appearance": [
                {
                    "@type": "NewsArticle",
                    "headline": capture.article.title,
                    "url": f"http://testserver/api/captures/{capture.pk}/",
                    "archivedAt": f"http://testserver/api/captures/{capture.pk}/",
                    "inLanguage": "fr",
                }
            ],
        },
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "Invérifiable",  # the French claim's verdict, in French
            "worstRating": 1,
            "bestRating": 5,
        },
        "author": {"@type": "Person", "name": "Claimdesk seed"},
        "datePublished": annotation.published_at.date().isoformat(),
        "inLanguage": "fr",
        "reviewBody": annotation.rationale,
    }


def test_claim_review_rates_verdicts_and_names_the_outlet(api, alice_journalist):
    capture = factories.CaptureFactory(
        article__source=factories.SourceFactory(name="Le Monde", slug="le-monde"),
        article__published_at=timezone.now(),
        article__authors=["Jeanne Dupont"],
    )
    claim = ClaimFactory(claimant="Ministry of Defence", language="en")
    factories.AppearanceFactory(claim=claim, capture=capture)
    [review] = _false_verdict_review(api, claim, alice_journalist)
    assert review["reviewRating"]["ratingValue"] == 1
    assert review["reviewRating"]["alternateName"] == "False"
    assert review["itemReviewed"]["author"] == {"@type": "Thing", "name": "Ministry of Defence"}
    [appearance] = review["itemReviewed"]["appearance"]
    assert appearance["publisher"] == {"@type": "Organization", "name": "Le Monde"}
    assert appearance["url"] == capture.article.url
    assert appearance["author"] == [{"@type": "Person", "name": "Jeanne Dupont"}]


def test_claim_without_a_published_verdict_has_no_claim_review(api, alice_journalist):
    claim = ClaimFactory()
    AnnotationFactory(
        claim=claim,
        author=alice_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
        verdict="",
    )
    response = api.get(f"/api/claims/{claim.pk}/claimreview/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "This claim has no published verdict yet."}


# JSON Lines export


def test_export_streams_the_published_corpus_in_chunks(api, monkeypatch, seeded):
    from api.claims import ClaimViewSet

    claims = annotated_claims(5)
    AnnotationFactory(claim=ClaimFactory(text="draft only"), author=claims[0].created_by)
    monkeypatch.setattr(ClaimViewSet, "export_chunk_size", 2)

    response = api.get("/api/claims/export.jsonl")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    chunks = list(response.streaming_content)
    assert len(chunks) == 3  # 6 claims, 2 per chunk
    rows = [json.loads(line) for line in b"".join(chunks).decode().splitlines()]
    assert [row["id"] for row in rows] == sorted(
        c.pk for c in Claim.objects.exclude(text="draft only")
    )
    listed = api.get(f"/api/claims/{rows[0]['id']}/").json()
    assert rows[0] == listed


def test_export_takes_the_list_filters_and_shows_only_published_even_to_editors(
    as_user, erin_editor, alice_journalist, seeded
):
    draft_claim = ClaimFactory(text="draft only")
    AnnotationFactory(claim=draft_claim, author=alice_journalist)
    client = as_user(erin_editor)
    everything = b"".join(client.get("/api/claims/export.jsonl").streaming_content)
    assert [json.loads(line)["text"] for line in everything.splitlines()] == [
        Claim.objects.exclude(pk=draft_claim.pk).get().text
    ]
    none = client.get("/api/claims/export.jsonl?tag=disputed")
    assert b"".join(none.streaming_content) == b""
    bad = client.get("/api/claims/export.jsonl?min_confidence=2")
    assert bad.status_code == 400
    assert "min_confidence" in bad.json()["errors"]


@pytest.mark.parametrize("count", [1, 30])
def test_export_query_count_does_not_grow_with_the_corpus(api, django_assert_num_queries, count):
    annotated_claims(count)
    # The stored lines (the published read model), in one query, read chunk by chunk.
    with django_assert_num_queries(1):
        response = api.get("/api/claims/export.jsonl")
        lines = b"".join(response.streaming_content).splitlines()
    assert len(lines) == count


def test_format_parameter_chooses_the_rendering(api, rich_annotation):
    url = f"/api/annotations/{rich_annotation.pk}/"
    assert api.get(url + "?format=jsonld")["Content-Type"] == W3C_MEDIA_TYPE
    assert api.get(url + "?format=json")["Content-Type"] == "application/json"
    empty = api.get(url + "?format=")
    assert empty.status_code == 400
    assert empty.json()["errors"] == {
        "format": ["Give one of: json, jsonld; or leave the parameter out."]
    }
    assert api.get(url + "?format=xml").status_code == 404


@pytest.mark.parametrize(("language", "name"), [("fr", "Faux"), ("en", "False"), ("ru", "False")])
def test_claim_review_names_the_verdict_in_the_claims_language_when_the_interface_speaks_it(
    api, alice_journalist, language, name
):
    claim = ClaimFactory(language=language)
    [review] = _false_verdict_review(api, claim, alice_journalist)
    assert review["reviewRating"]["alternateName"] == name


def _false_verdict_review(api, claim, author) -> list[dict]:
    """The ClaimReview graph of `claim` once `author`'s "false" verdict on it is published."""
    AnnotationFactory(
        claim=claim,
        author=author,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
        verdict=Annotation.Verdict.FALSE,
    )
    return api.get(f"/api/claims/{claim.pk}/claimreview/").json()["@graph"]
