import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Claim
from tests import factories

pytestmark = pytest.mark.django_db

QUOTE = "Aucune raison officielle de l’annulation n’a été rendue publique par les autorités."


def claim(text: str) -> Claim:
    return factories.ClaimFactory(text=text)


def test_similar_claims_rank_the_closest_wording_first_and_leave_out_unrelated_ones():
    close = claim("Aucune raison officielle de l’annulation n’a été rendue publique.")
    looser = claim("Les autorités n’ont rendu publique aucune raison officielle.")
    claim("Le Kazakhstan a refusé d’envoyer des troupes en Ukraine.")
    found = Claim.objects.similar_to(QUOTE)
    assert found[0] == close
    assert looser in found
    assert len(found) == 2


def test_similar_claims_respect_the_queryset_they_start_from(alice_journalist):
    hidden = claim("Aucune raison officielle de l’annulation n’a été rendue publique.")
    hidden.deleted_at = hidden.created_at
    hidden.save()
    assert Claim.objects.visible_to(alice_journalist).similar_to(QUOTE) == []


def test_similar_claims_are_capped_at_the_limit():
    for n in range(8):
        claim(f"Aucune raison officielle de l’annulation n’a été rendue publique ({n}).")
    assert len(Claim.objects.similar_to(QUOTE, limit=3)) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_the_trigram_index_serves_the_similarity_search():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'annotations_claim_text_trgm'"
        )
        (definition,) = cursor.fetchone()
        assert "gin_trgm_ops" in definition
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM annotations_claim WHERE text %% %s", [QUOTE])
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "annotations_claim_text_trgm" in plan


def test_similar_claims_include_a_shorter_wording_of_the_quote():
    # Claims are short normalised wordings; the passage marked is often the whole sentence.
    shorter = claim("Aucune raison officielle de l’annulation")
    claim("Le Kazakhstan a refusé d’envoyer des troupes en Ukraine.")
    assert Claim.objects.similar_to(factories.CLAIM_SENTENCE) == [shorter]


def test_similar_claims_include_a_claim_already_quoting_the_passage_verbatim():
    quoted = claim("Aucune raison")  # too short to be trigram-similar
    factories.AppearanceFactory(claim=quoted)
    assert quoted in Claim.objects.similar_to(factories.CLAIM_SENTENCE)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_the_trigram_index_finds_the_claims_sharing_the_quotes_longest_words():
    with CaptureQueriesContext(connection) as queries:
        Claim.objects.similar_to(QUOTE)
    (candidates,) = [q["sql"] for q in queries if "ILIKE" in q["sql"]]
    assert "%officielle%" in candidates and "%annulation%" in candidates
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + candidates.replace("%", "%%"))
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "annotations_claim_text_trgm" in plan


def test_the_ilike_lookup_ignores_case_and_honours_escaped_wildcards():
    upper = claim("RAISON OFFICIELLE_ANNULATION")
    claim("raison officiellesannulation")
    pattern = "%" + connection.ops.prep_for_like_query("officielle_annulation") + "%"
    assert list(Claim.objects.filter(text__ilike=pattern)) == [upper]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="hash indexes are PostgreSQL's")
def test_the_quote_index_serves_the_verbatim_lookup():
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT claim_id FROM annotations_appearance WHERE quote = %s", [QUOTE]
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "annotations_appearance_quote_hash" in plan
