"""GET /api/claims/: representation, filters, pagination, visibility, query counts."""

import pytest
from django.db import connection
from django.utils import timezone

from annotations.models import Annotation, Claim
from tests import factories
from tests.factories import (
    AnnotationFactory,
    AppearanceFactory,
    ClaimFactory,
    TagFactory,
    annotated_claims,
)

pytestmark = pytest.mark.django_db

ISO = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(value) -> str:
    return value.astimezone(timezone.UTC).strftime(ISO)


def published(claim, author, **kwargs):
    return AnnotationFactory(
        claim=claim,
        author=author,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
        **kwargs,
    )


def test_seed_claim_payload_is_complete(api, seeded):
    claim = Claim.objects.get()
    appearance = claim.appearances.get()
    annotation = claim.annotations.get()
    capture = appearance.capture
    article = capture.article

    response = api.get("/api/claims/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": claim.pk,
                "text": "Aucune raison officielle de l’annulation n’a été rendue publique "
                "par les autorités kirghizes.",
                "language": "fr",
                "claimant": "",
                "created_by": "claimdesk",
                "created_at": iso(claim.created_at),
                "updated_at": iso(claim.updated_at),
                "appearances": [
                    {
                        "id": appearance.pk,
                        "claim": claim.pk,
                        "capture": capture.pk,
                        "article": {
                            "id": article.pk,
                            "title": "Le Kirghizistan annule ses exercices avec la Russie au "
                            "dernier moment",
                            "url": "",
                            "language": "fr",
                            "published_at": None,
                            "source": None,
                        },
                        "quote": claim.text,
                        "selector": {
                            "start": 451,
                            "end": 544,
                            "prefix": "our avant qu’ils ne commencent. ",
                            "suffix": "\n\nJuste un jour avant l’annulati",
                        },
                        "anchor": {"status": "anchored", "method": "selection", "score": 1.0},
                        "created_at": iso(appearance.created_at),
                    }
                ],
                "source_edits": [],
                "annotations": [
                    {
                        "id": annotation.pk,
                        "claim": claim.pk,
                        "author": "claimdesk",
                        "status": "published",
                        "version": 3,
                        "tags": [
                            {
                                "slug": "no-official-reason-given",
                                "label": "No official reason given",
                                "labels": {
                                    "en": "No official reason given",
                                    "fr": "Aucune raison officielle donnée",
                                },
                            }
                        ],
                        "confidence": 0.8,
                        "verdict": "unverifiable",
                        "rationale": annotation.rationale,
                        "evidence": [],
                        "review_comment": "",
                        "reviewed_by": "claimdesk",
                        "reviewed_at": iso(annotation.reviewed_at),
                        "published_at": iso(annotation.published_at),
                        "created_at": iso(annotation.created_at),
                        "updated_at": iso(annotation.updated_at),
                    }
                ],
            }
        ],
    }
    assert capture.text[451:544] == claim.text


def test_evidence_is_listed_with_its_fields(api, alice_journalist):
    annotation = published(ClaimFactory(), alice_journalist)
    capture = factories.CaptureFactory()
    evidence = factories.EvidenceFactory(
        annotation=annotation,
        kind="capture",
        url="",
        capture=capture,
        quote="le Kirghizistan a annulé",
        stance="contradicts",
        note="Same outlet, a day later.",
    )

    [claim] = api.get("/api/claims/").json()["results"]

    assert claim["annotations"][0]["evidence"] == [
        {
            "id": evidence.pk,
            "annotation": annotation.pk,
            "kind": "capture",
            "url": "",
            "capture": capture.pk,
            "quote": "le Kirghizistan a annulé",
            "document": None,
            "stance": "contradicts",
            "note": "Same outlet, a day later.",
            "added_by": "alice_journalist",
            "created_at": iso(evidence.created_at),
        }
    ]


# Visibility


@pytest.fixture
def drafts(alice_journalist, bob_journalist):
    public_claim = ClaimFactory(created_by=alice_journalist, text="Public claim")
    public = published(public_claim, alice_journalist)
    bobs_draft_on_public = AnnotationFactory(claim=public_claim, author=bob_journalist)
    draft_claim = ClaimFactory(created_by=bob_journalist, text="Draft-only claim")
    bobs_draft = AnnotationFactory(claim=draft_claim, author=bob_journalist)
    return public, bobs_draft_on_public, bobs_draft


def listed(client) -> dict[str, list[int]]:
    response = client.get("/api/claims/")
    assert response.status_code == 200
    return {
        claim["text"]: sorted(a["id"] for a in claim["annotations"])
        for claim in response.json()["results"]
    }


def test_anonymous_sees_published_annotations_and_only_claims_having_one(api, drafts):
    public, _, _ = drafts
    assert listed(api) == {"Public claim": [public.pk]}


def test_read_only_token_sees_what_anonymous_sees_even_for_an_editor(
    token_client, erin_editor, drafts
):
    public, _, _ = drafts
    assert listed(token_client(erin_editor, read_only=True)) == {"Public claim": [public.pk]}


def test_author_also_sees_own_drafts(as_user, bob_journalist, alice_journalist, drafts):
    public, bobs_second, bobs_draft = drafts
    assert listed(as_user(bob_journalist)) == {
        "Public claim": sorted([public.pk, bobs_second.pk]),
        "Draft-only claim": [bobs_draft.pk],
    }
    assert listed(as_user(alice_journalist)) == {"Public claim": [public.pk]}


def test_editor_sees_every_annotation(as_user, erin_editor, drafts):
    public, bobs_second, bobs_draft = drafts
    assert listed(as_user(erin_editor)) == {
        "Public claim": sorted([public.pk, bobs_second.pk]),
        "Draft-only claim": [bobs_draft.pk],
    }


def test_draft_claim_detail_is_404_for_anonymous(api, drafts):
    _, _, bobs_draft = drafts
    response = api.get(f"/api/claims/{bobs_draft.claim_id}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Claim matches the given query."}


# Filters


@pytest.fixture
def corpus(alice_journalist, bob_journalist):
    """Three published claims in two outlets; one also has Bob's draft tagged "disputed"."""
    le_monde = factories.SourceFactory(slug="le-monde", name="Le Monde")
    kloop = factories.SourceFactory(slug="kloop", name="Kloop", language="ru")
    official = TagFactory(slug="no-official-reason-given", label="No official reason given")
    disputed = TagFactory(slug="disputed", label="Disputed")
    claims = {}
    for name, source, language, tag, confidence, verdict in (
        ("monde", le_monde, "fr", official, "0.900", "unverifiable"),
        ("kloop", kloop, "ru", disputed, "0.400", "false"),
        ("other", le_monde, "fr", disputed, "0.600", "misleading"),
    ):
        capture = factories.CaptureFactory(article__source=source, article__language=language)
        claim = ClaimFactory(created_by=alice_journalist, language=language, text=f"{name} claim")
        AppearanceFactory(claim=claim, capture=capture)
        published(claim, alice_journalist, tags=[tag], confidence=confidence, verdict=verdict)
        claims[name] = claim
    AnnotationFactory(claim=claims["monde"], author=bob_journalist, tags=[disputed])
    return claims


def names(api, query: str) -> set[str]:
    response = api.get("/api/claims/?" + query)
    assert response.status_code == 200, response.json()
    return {claim["text"].removesuffix(" claim") for claim in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=no-official-reason-given", {"monde"}),
        ("tag=no-official-reason-given&tag=disputed", {"monde", "kloop", "other"}),
        ("source=le-monde", {"monde", "other"}),
        ("source=unknown", set()),
        ("language=ru", {"kloop"}),
        ("min_confidence=0.5", {"monde", "other"}),
        ("max_confidence=0.6", {"kloop", "other"}),
        ("min_confidence=0.5&max_confidence=0.7", {"other"}),
        ("verdict=false", {"kloop"}),
        ("author=alice_journalist", {"monde", "kloop", "other"}),
        ("author=bob_journalist", set()),
        ("status=draft", set()),
        ("q=MONDE", {"monde"}),
        ("q=Aucune raison officielle", {"monde", "kloop", "other"}),
        ("q=absent-word", set()),
        ("tag=disputed&source=le-monde", {"other"}),
    ],
)
def test_filters_select_claims_by_their_published_annotations(api, corpus, query, expected):
    assert names(api, query) == expected


@pytest.mark.parametrize(
    ("query", "page_query"),
    [
        ("tag=disputed", "tag=disputed"),
        ("tag=no-official-reason-given&tag=disputed", "tag=no-official-reason-given&tag=disputed"),
        ("source=le-monde", "source=le-monde"),
        ("min_confidence=0.5", "min_confidence=50"),
        ("max_confidence=0.6", "max_confidence=60"),
        ("verdict=false", "verdict=false"),
        ("author=bob_journalist", "author=bob_journalist"),
        ("q=MONDE", "q=MONDE"),
        ("q=Aucune raison officielle", "q=Aucune raison officielle"),
    ],
)
def test_claims_page_filters_as_the_api_does(api, client, corpus, query, page_query):
    # The page asks for confidence in percent; otherwise its form sends the API's parameters.
    html = client.get("/claims/?" + page_query).text
    on_page = {name for name, claim in corpus.items() if f'href="/claims/{claim.pk}/"' in html}
    assert on_page == names(api, query)


def test_filter_on_draft_tag_matches_only_for_who_may_see_the_draft(
    api, as_user, bob_journalist, corpus
):
    # Bob's draft on "monde" is tagged disputed: anonymous users cannot find it by that tag.
    assert names(api, "tag=disputed") == {"kloop", "other"}
    assert names(as_user(bob_journalist), "tag=disputed") == {"monde", "kloop", "other"}
    assert names(as_user(bob_journalist), "status=draft") == {"monde"}


def test_article_filter_and_date_filters(api, corpus):
    article_id = corpus["kloop"].appearances.get().capture.article_id
    assert names(api, f"article={article_id}") == {"kloop"}
    Claim.objects.filter(pk=corpus["other"].pk).update(
        created_at=timezone.now() - timezone.timedelta(days=30),
        updated_at=timezone.now() - timezone.timedelta(days=30),
    )
    week_ago = (timezone.now() - timezone.timedelta(days=7)).date().isoformat()
    assert names(api, f"created_after={week_ago}") == {"monde", "kloop"}
    assert names(api, f"created_before={week_ago}") == {"other"}
    assert names(api, f"updated_since={week_ago}") == {"monde", "kloop"}
    assert names(api, f"published_after={week_ago}") == {"monde", "kloop", "other"}
    assert names(api, f"published_before={week_ago}") == set()
    # Offsets PostgreSQL would refuse (beyond ±15:59) are converted to UTC first.
    assert names(api, "published_before=2999-03-04T14:45:09.3-19:09") == names(api, "")


def test_an_unknown_tag_matches_nothing_like_an_unknown_id(api, corpus):
    # The vocabulary changes while the schema stands: a well-formed slug is valid input.
    response = api.get("/api/claims/?tag=no-such-tag")
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("tag=not a slug", "tag"),
        ("tag=", "tag"),
        ("min_confidence=1.5", "min_confidence"),
        ("max_confidence=abc", "max_confidence"),
        ("verdict=maybe", "verdict"),
        ("status=lost", "status"),
        ("article=abc", "article"),
        ("updated_since=yesterday", "updated_since"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=ten", "page_size"),
        ("page_size=", "page_size"),
        ("updated_since=", "updated_since"),
        ("updated_since=0001-01-01T00:00:00%2B03:00", "updated_since"),
        ("status=", "status"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=cD1ub3QtYS1kYXRl", "cursor"),  # a well-formed cursor with a bad position
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_parameter(api, corpus, query, field):
    response = api.get("/api/claims/?" + query)
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["detail"].startswith(f"Invalid input: {field}: ")


# Ordering and pagination


def test_cursor_pages_walk_every_claim_once_in_order(api, alice_journalist):
    claims = [published(ClaimFactory(text=f"claim {i}"), alice_journalist).claim for i in range(7)]
    seen, url = [], "/api/claims/?page_size=3&ordering=created_at"
    while url:
        body = api.get(url).json()
        seen.extend(claim["id"] for claim in body["results"])
        url = body["next"]
    assert seen == [claim.pk for claim in claims]

    first = api.get("/api/claims/?page_size=3").json()
    assert first["previous"] is None
    assert [c["id"] for c in first["results"]] == [c.pk for c in reversed(claims)][:3]
    back = api.get(api.get(first["next"]).json()["previous"]).json()
    assert back["results"] == first["results"]


def test_default_page_size_applies(api, alice_journalist):
    for i in range(21):
        published(ClaimFactory(text=f"claim {i}"), alice_journalist)
    body = api.get("/api/claims/").json()
    assert len(body["results"]) == 20
    assert body["next"]


# Query counts


@pytest.mark.parametrize("count", [1, 50])
def test_claim_list_query_count_does_not_grow_with_the_page(api, django_assert_num_queries, count):
    annotated_claims(count)
    # The page of stored documents (the published read model), in one query.
    with django_assert_num_queries(1):
        response = api.get("/api/claims/?page_size=50")
    assert len(response.json()["results"]) == count
    assert all(len(c["annotations"]) == 3 for c in response.json()["results"])


@pytest.mark.parametrize("page_size", [10, 100])
def test_an_anonymous_page_costs_at_most_four_statements_at_any_size(
    api, token_client, alice_journalist, django_assert_max_num_queries, page_size
):
    annotated_claims(page_size + 1)
    reader = token_client(alice_journalist, read_only=True)
    reader.get("/api/claims/")  # records last_used_at, written at most once a minute
    filters = "&tag=corpus-tag-1&min_confidence=0.5&q=raison&language=fr"
    for client, query in ((api, ""), (api, filters), (reader, ""), (reader, filters)):
        # (token + user;) the page of stored documents, filters inside the same query.
        with django_assert_max_num_queries(4):
            response = client.get(f"/api/claims/?page_size={page_size}{query}")
        assert len(response.json()["results"]) == page_size
        assert response.json()["next"] is not None


@pytest.mark.parametrize("count", [1, 50])
def test_claim_list_query_count_for_an_editor_with_filters(
    as_user, erin_editor, django_assert_num_queries, count
):
    annotated_claims(count, status=Annotation.Status.SUBMITTED)
    client = as_user(erin_editor)
    # session; user; the user's groups (role); on PostgreSQL, how frequent the searched words
    # are (which chooses the search plan); claims (the tag slugs are a condition of the claims
    # query); appearances; annotations; tags; evidence.
    with django_assert_num_queries(8 + (connection.vendor == "postgresql")):
        response = client.get(
            "/api/claims/?page_size=50&tag=corpus-tag-1&min_confidence=0.5&q=raison"
        )
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 50])
def test_claim_list_query_count_with_a_token(
    token_client, alice_journalist, django_assert_num_queries, count
):
    annotated_claims(count)
    client = token_client(alice_journalist)
    client.get("/api/claims/")  # records last_used_at, written at most once a minute
    # token + user + the user's roles; claims; appearances; annotations; tags; evidence.
    with django_assert_num_queries(6):
        response = client.get("/api/claims/?page_size=50")
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [1, 50])
def test_claim_detail_query_count(api, django_assert_num_queries, count):
    claim = annotated_claims(count)[0]
    # The claim's stored document (the published read model).
    with django_assert_num_queries(1):
        assert api.get(f"/api/claims/{claim.pk}/").status_code == 200


@pytest.mark.parametrize("query", ["language=de", "tag=no-such-tag", "ordering=nonsense"])
@pytest.mark.parametrize("who", ["anonymous", "author", "editor"])
def test_a_claims_detail_ignores_the_lists_query_parameters(
    api, as_user, bob_journalist, erin_editor, drafts, who, query
):
    """The list's filters choose claims for a page; a detail names its claim by id, and a
    `?language=de` left in a link must not turn a French claim into a 404 for some readers."""
    public, _, _ = drafts
    client = {
        "anonymous": api,
        "author": as_user(bob_journalist),
        "editor": as_user(erin_editor),
    }[who]
    plain = client.get(f"/api/claims/{public.claim_id}/")
    response = client.get(f"/api/claims/{public.claim_id}/?{query}")
    assert plain.status_code == 200
    assert response.status_code == 200, response.content
    assert response.json() == plain.json()
