import io

import pytest
from django.core.management import call_command
from django.db import connection

from annotations.models import Claim
from annotations.search import Plan, choose_plan, parse_query, search_claims, term_frequencies
from tests.factories import CLAIM_SENTENCE, AppearanceFactory, ClaimFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)


@pytest.fixture
def claims():
    return {
        "fr": ClaimFactory(
            text="Aucune raison officielle de l’annulation n’a été rendue publique par les "
            "autorités kirghizes.",
            language="fr",
        ),
        "en": ClaimFactory(
            text="The ministry gave no official reasons for cancelling the exercises.",
            language="en",
            claimant="Ministry of Defence",
        ),
        "ru": ClaimFactory(text="Учения были отменены в последний момент.", language="ru"),
    }


def found(q: str) -> set[str]:
    return {c.language for c in Claim.objects.search(q)}


def test_search_finds_claims_by_their_words(claims):
    assert found("officielle") == {"fr"}
    assert found("Ministry") == {"en"}
    assert found("отменены") == {"ru"}


def test_search_needs_every_word(claims):
    assert found("raison kirghizes") == {"fr"}
    assert found("raison ministry") == set()


def test_blank_search_returns_everything(claims):
    assert Claim.objects.search("   ").count() == 3


@pytest.mark.parametrize(
    "q", ["'", '"unterminated', "a & | ! <-> :*", "(((", "%_\\", "-", "or", "😀", "nul\x00byte"]
)
def test_untrusted_query_text_is_safe(claims, q):
    list(Claim.objects.search(q))


def test_search_chains_with_other_filters(claims):
    assert list(Claim.objects.filter(language="en").search("official")) == [claims["en"]]


@on_postgresql
def test_search_stems_words_in_the_claims_language(claims):
    assert found("officielles raisons annulations") == {"fr"}
    assert found("cancelled exercise") == {"en"}


@on_postgresql
def test_search_folds_accents(claims):
    assert found("autorites kirghizes") == {"fr"}
    assert found("AUTORITÉS") == {"fr"}


@on_postgresql
def test_search_understands_web_syntax(claims):
    assert found('"official reasons" -kirghizes') == {"en"}
    assert found("kirghizes or ministry") == {"fr", "en"}


@on_postgresql
def test_search_ranks_better_matches_higher(claims):
    ClaimFactory(text="Une raison parmi d’autres.", language="fr")
    ranked = list(Claim.objects.search("raison officielle publique").order_by("-search_rank"))
    assert ranked[0] == claims["fr"]
    assert ranked[0].search_rank > 0


@on_postgresql
def test_search_uses_the_gin_index(claims):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = Claim.objects.search("raison").values("id").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "annotations_claim_search" in plan


def test_search_finds_claims_by_their_quotes(claims):
    AppearanceFactory(claim=ClaimFactory(text="Bishkek stays silent", language="en"))
    assert CLAIM_SENTENCE.startswith("Aucune raison officielle")
    assert {c.text for c in Claim.objects.search("kirghizes rendue")} == {
        claims["fr"].text,
        "Bishkek stays silent",
    }


@pytest.fixture
def frequent_and_rare():
    """40 claims: `kirghizistan` in 30 of them (one only through its quote), the phrase
    `aucune raison officielle` in a few, `quorvandel` in one, among other words."""
    made = []
    for n in range(40):
        words = ["Le", "ministre", f"parle{n}"]
        if n % 4:
            words.append("Kirghizistan")
        if n % 9 == 0:
            words += ["aucune", "raison", "officielle"]
        if n == 17:
            words.append("quorvandel")
        made.append(ClaimFactory(text=" ".join(words) + ".", language="fr"))
    # Found through its quote only: the phrase and `kirghizes` are in the factory's quote.
    quoted = AppearanceFactory(claim=ClaimFactory(text="Sans rapport.", language="fr")).claim
    made.append(quoted)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE annotations_claim, annotations_appearance")
    return made


SEARCHES = [
    "kirghizistan",
    "quorvandel",
    '"aucune raison officielle"',
    "kirghizistan -officielle",
    "quorvandel or raison",
    "kirghizes",
    "-kirghizistan",
    "ministre kirghizistan parle3",
]


@on_postgresql
@pytest.mark.parametrize("q", SEARCHES)
def test_both_plans_find_the_same_claims_in_the_same_order(frequent_and_rare, q):
    ordered = Claim.objects.order_by("-updated_at", "-id")
    index = list(search_claims(ordered, q, Plan.INDEX).values_list("id", "search_rank"))
    walk = list(search_claims(ordered, q, Plan.WALK).values_list("id", "search_rank"))
    chosen = list(ordered.search(q).values_list("id", "search_rank"))
    assert index == walk == chosen
    assert index or q == "-kirghizistan" or q == "kirghizes"


@on_postgresql
def test_frequent_words_walk_the_list_and_rare_ones_use_the_index(frequent_and_rare, settings):
    settings.CLAIMDESK_SEARCH_WALK_FREQUENCY = 0.3
    assert term_frequencies(["kirghizistan", "quorvandel"]) == pytest.approx(
        {"kirghizistan": 30 / 41, "quorvandel": 1 / 41}, abs=0.03
    )
    assert choose_plan(parse_query("Kirghizistan")) == Plan.WALK
    assert choose_plan(parse_query("quorvandel")) == Plan.INDEX
    assert choose_plan(parse_query("kirghizistan quorvandel")) == Plan.INDEX
    assert choose_plan(parse_query("quorvandel or kirghizistan")) == Plan.WALK
    assert choose_plan(parse_query("-quorvandel")) == Plan.WALK
    assert choose_plan(parse_query("inconnu")) == Plan.INDEX


@on_postgresql
def test_the_page_walks_the_list_index_for_a_frequent_word(frequent_and_rare):
    ordered = Claim.objects.order_by("-updated_at", "-id")
    page = search_claims(ordered, "kirghizistan", Plan.WALK)[:10]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = page.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan Backward using annotations_claim_updated" in plan, plan


def test_the_statistics_command_reports_the_share_of_claims_per_word(frequent_and_rare):
    out = io.StringIO()
    call_command("analyse_search", "kirghizistan", stdout=out)
    if connection.vendor == "postgresql":
        assert "Analysed the claims' and quotes' search vectors." in out.getvalue()
        share = float(out.getvalue().split("kirghizistan: ")[1].split("%")[0])
        assert 65 < share < 80
    else:
        assert "Nothing to do" in out.getvalue()
