import hashlib
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction

from annotations.models import Annotation, Appearance, Claim, Evidence, Tag
from archive.models import Capture
from bench import corpus, load, text
from publication import published
from tests.factories import CaptureFactory

TAG_IDS = [11, 12, 13, 14, 15, 16, 17]


def generated(claims: int, seed: int = 7) -> dict[str, list[tuple]]:
    start = corpus.IdStart(user=100, source=10)
    plan = corpus.make_plan(claims, seed, TAG_IDS, start)
    tables = {table: [] for table in corpus.TABLES}
    for batch in corpus.generate(plan, start, articles_per_batch=40):
        for table in corpus.TABLES:
            tables[table].extend(batch[table])
    return tables


def rows_as_dicts(tables, table):
    return [dict(zip(corpus.COLUMNS[table], row, strict=True)) for row in tables[table]]


@pytest.fixture(scope="module")
def tiny():
    return generated(400)


def test_the_same_seed_yields_the_same_rows(tiny):
    assert generated(400) == tiny
    assert generated(400, seed=8)["annotations_claim"] != tiny["annotations_claim"]


def test_every_row_has_one_value_per_column(tiny):
    for table, rows in tiny.items():
        assert {len(row) for row in rows} == {len(corpus.COLUMNS[table])}, table


def test_appearances_quote_their_capture_at_their_offsets(tiny):
    captures = {c["id"]: c["text"] for c in rows_as_dicts(tiny, "archive_capture")}
    appearances = rows_as_dicts(tiny, "annotations_appearance")
    for a in appearances:
        text_ = captures[a["capture_id"]]
        assert a["quote"] == text_[a["start"] : a["end"]]
        assert a["prefix"] == text_[max(0, a["start"] - 32) : a["start"]]
        assert a["suffix"] == text_[a["end"] : a["end"] + 32]
    # Claims that appear in several articles are there too.
    per_claim = Counter(a["claim_id"] for a in appearances)
    assert max(per_claim.values()) >= 2


def test_proportions_are_those_of_a_working_newsroom(tiny):
    claims = rows_as_dicts(tiny, "annotations_claim")
    annotations = rows_as_dicts(tiny, "annotations_annotation")
    assert len(claims) == 400
    assert 0.2 < len(tiny["archive_article"]) / 400 < 0.4
    assert 1.0 <= len(tiny["annotations_appearance"]) / 400 < 1.3
    assert 1.0 < len(annotations) / 400 < 1.6
    statuses = Counter(a["status"] for a in annotations)
    assert set(statuses) == {"published", "submitted", "draft", "returned"}
    assert 0.65 < statuses["published"] / len(annotations) < 0.9
    assert 1.2 < len(tiny["annotations_annotation_tags"]) / len(annotations) < 2.0
    assert 0.4 < len(tiny["annotations_evidence"]) / len(annotations) < 0.9
    assert {row[2] for row in tiny["annotations_annotation_tags"]} <= set(TAG_IDS)
    languages = Counter(c["language"] for c in claims)
    assert languages.most_common(2)[0][0] in {"fr", "en"}
    assert len(languages) >= 5
    for a in annotations:
        assert 0 <= a["confidence"] <= 1
        if a["status"] == "published":
            assert a["published_at"] and a["reviewed_by_id"] != a["author_id"]
        if a["status"] == "returned":
            assert a["review_comment"]
    # One annotation per author per claim, as the database requires.
    assert len({(a["claim_id"], a["author_id"]) for a in annotations}) == len(annotations)


def test_rare_terms_and_the_phrase_are_planted_in_exact_numbers(tiny):
    wordings = [c["text"].lower() for c in rows_as_dicts(tiny, "annotations_claim")]
    for term in text.RARE_TERMS:
        assert sum(term in w for w in wordings) == text.rare_term_count(400)
    assert sum(text.PHRASE in w for w in wordings) == max(1, round(400 * text.PHRASE_SHARE))
    assert sum(text.COMMON_TERM.lower() in w for w in wordings) >= 3


def test_the_corpus_loads_valid_rows_and_is_reused(db):
    report = load.ensure_corpus(150, 3, log=lambda message: None)
    assert not report.reused
    generated_claims = Claim.objects.filter(created_by__username__startswith="bench-")
    assert generated_claims.count() == 150
    assert set(Tag.objects.values_list("slug", flat=True)) >= {"no-official-reason-given"}
    # The rows pass the models' own validation, offsets and quotes included.
    for appearance in Appearance.objects.select_related("capture")[:60]:
        appearance.full_clean()
    for capture in Capture.objects.filter(extractor=corpus.EXTRACTOR)[:10]:
        assert capture.sha256 == hashlib.sha256(capture.text.encode()).hexdigest()
    for evidence in Evidence.objects.select_related("capture")[:40]:
        evidence.full_clean()
    assert Annotation.objects.published().exists()
    # New rows after the load get fresh ids (the sequences were moved past the loaded ones).
    assert load.ensure_corpus(150, 3, log=lambda message: None).reused
    assert not load.ensure_corpus(150, 3, rebuild=True, log=lambda message: None).reused
    assert generated_claims.count() == 150


def test_a_database_with_content_of_its_own_is_never_replaced(db):
    CaptureFactory.create_batch(2)
    with pytest.raises(load.ForeignContentError, match="2 articles the benchmark did not make"):
        load.ensure_corpus(50, 1, log=lambda message: None)
    assert Capture.objects.count() == 2


def test_batches_generated_in_the_background_are_the_same(tiny):
    start = corpus.IdStart(user=100, source=10)
    plan = corpus.make_plan(400, 7, TAG_IDS, start)
    background = list(load._in_background(corpus.generate(plan, start)))
    assert background == list(corpus.generate(plan, start))
    assert sum(len(b["annotations_claim"]) for b in background) == 400


def schema(tables: list[str]) -> set[tuple]:
    """Every index and constraint of `tables`, as the catalog defines it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable, "
            "condeferred, convalidated FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
            [tables],
        )
        return {*indexes, *cursor.fetchall()}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="indexes are made after the load on PostgreSQL"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_build_leaves_every_index_and_constraint_as_the_migrations_made_them():
    before = schema(load.LOADED_TABLES)
    assert len(before) > 60

    # In a transaction of its own, as `python -m bench` runs it: TRUNCATE, COPY FREEZE, VACUUM.
    report = load.ensure_corpus(100, 2, log=lambda message: None)

    assert schema(load.LOADED_TABLES) == before
    assert set(report.phases) >= {"load", "indexes", "vacuum_analyze", "documents_copy"}
    assert not published.differences()
    # The foreign keys work again, deferred to the commit as Django declares them.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE annotations_appearance SET claim_id = -1 "
            "WHERE id = (SELECT MIN(id) FROM annotations_appearance)"
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
