"""Untrusted search text (`q=`) on every path that searches — the claims API, the export, the
claims and articles pages — is bounded and normalised: too much is a 400 (a form error on the
pages), and nothing a client types makes the database fail."""

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.models import Annotation, Claim
from annotations.search import parse_query
from tests import factories

pytestmark = pytest.mark.django_db

# "tsquery stack too small" on PostgreSQL before queries were bounded.
HYPHENS = "-" * 40
# "Expression tree is too large" on SQLite before queries were bounded.
THOUSAND_WORDS = " ".join(["ab"] * 1000)


@pytest.fixture
def published_claim(erin_editor):
    claim = factories.ClaimFactory(
        text="The ministry gave no official reasons for cancelling the exercises.", language="en"
    )
    factories.AnnotationFactory(
        claim=claim,
        author=erin_editor,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    return claim


@pytest.mark.parametrize("path", ["/api/claims/", "/api/claims/export.jsonl"])
def test_forty_hyphens_are_no_words_and_answer_every_claim(api, published_claim, path):
    response = api.get(path, {"q": HYPHENS})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/claims/", "/api/claims/export.jsonl"])
def test_a_thousand_words_are_refused_with_a_clear_400(api, published_claim, path, settings):
    settings.CLAIMDESK_SEARCH_MAX_LENGTH = 10_000  # the word limit on its own
    response = api.get(path, {"q": THOUSAND_WORDS})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"q": ["The search has 1000 words; at most 16 are allowed."]}
    assert body["detail"] == "Invalid input: q: The search has 1000 words; at most 16 are allowed."


def test_a_query_too_long_is_refused_with_a_clear_400(api, published_claim):
    response = api.get("/api/claims/", {"q": "x" * 201})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "q": ["The search is 201 characters long; at most 200 are allowed."]
    }


def test_each_part_of_a_hyphenated_word_counts_as_a_word(api, published_claim):
    response = api.get("/api/claims/", {"q": "-".join(["ab"] * 40)})
    assert response.status_code == 400
    assert "40 words" in response.json()["detail"]


def test_the_limits_follow_the_settings(api, published_claim, settings):
    settings.CLAIMDESK_SEARCH_MAX_TERMS = 2
    assert api.get("/api/claims/", {"q": "ministry official"}).status_code == 200
    assert api.get("/api/claims/", {"q": "ministry official reasons"}).status_code == 400


@pytest.mark.parametrize(
    "q",
    [
        "ministry & | ! <-> :* official",
        "!!!(ministry)",
        "ministry:*",
        "'ministry'",
        '"official reasons',
        "-ministry -",
        "or or ministry or",
        "--ministry",
        "ministry\\",
        "ministry" + "!" * 150,
        "😀 ministry",
    ],
)
def test_operators_are_dropped_and_the_words_still_found(api, published_claim, q):
    response = api.get("/api/claims/", {"q": q})
    assert response.status_code == 200, response.json()
    ids = [c["id"] for c in response.json()["results"]]
    expected = [] if parse_query(q).alternatives[0][0].excluded else [published_claim.pk]
    assert ids == expected


def test_a_nul_character_is_refused_with_a_400(api, published_claim):
    response = api.get("/api/claims/", {"q": "ministry \x00"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"q"}


def test_exclusions_and_alternatives_keep_their_meaning(published_claim):
    other = factories.ClaimFactory(text="Bishkek stays silent.", language="en")
    assert set(Claim.objects.search("ministry -bishkek")) == {published_claim}
    assert set(Claim.objects.search("silent or ministry")) == {published_claim, other}
    assert set(Claim.objects.search('"stays silent"')) == {other}
    assert set(Claim.objects.search("-ministry")) == {other}


@pytest.mark.parametrize("page", ["/claims/", "/articles/"])
def test_pages_show_a_form_error_and_no_results_for_a_search_too_large(
    client, published_claim, page
):
    response = client.get(page, {"q": THOUSAND_WORDS})
    assert response.status_code == 200
    html = response.text
    assert "The search is 2999 characters long; at most 200 are allowed." in html
    assert published_claim.text not in html


@pytest.mark.parametrize("page", ["/claims/", "/articles/"])
def test_pages_answer_hostile_searches(client, published_claim, page):
    assert client.get(page, {"q": HYPHENS}).status_code == 200
    assert client.get(page, {"q": "a & | ! <-> :*"}).status_code == 200


# Any text at all: hypothesis draws strings from the whole of Unicode, weighted towards the
# characters search syntaxes give meaning to. The answer is a result or a 400, never a 5xx.
OPERATORS = st.sampled_from([*"&|!<->:*()'\"\\%_ ", "<->", "or", "-", "\x00", "“", "’"])
QUERY_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(OPERATORS, st.text(max_size=8)), max_size=80).map("".join),
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=QUERY_TEXT)
def test_no_query_text_makes_the_api_fail(api, published_claim, q):
    response = api.get("/api/claims/", {"q": q})
    assert response.status_code in (200, 400), (connection.vendor, q, response.content)
    if response.status_code == 400:
        assert set(response.json()["errors"]) == {"q"}
