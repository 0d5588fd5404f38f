from functools import partial

import pytest
from django.db.models import Count

from annotations.models import Claim, PublishedClaim
from bench import corpus, documents, load
from publication import published

TAG_IDS = [11, 12, 13, 14, 15, 16, 17]


def test_every_claim_is_settled_once_and_no_row_reaches_it_later():
    start = corpus.IdStart(user=100, source=10)
    plan = corpus.make_plan(3000, 7, TAG_IDS, start)
    settled_in: dict[int, int] = {}
    last_row_in: dict[int, int] = {}
    for number, batch in enumerate(corpus.generate(plan, start, articles_per_batch=20)):
        for claim_id in batch[corpus.SETTLED]:
            assert claim_id not in settled_in
            settled_in[claim_id] = number
        for row in batch["annotations_claim"]:
            last_row_in[row[0]] = number
        for table in ("annotations_appearance", "annotations_annotation"):
            claim_at = corpus.COLUMNS[table].index("claim_id")
            for row in batch[table]:
                last_row_in[row[claim_at]] = number
    assert settled_in.keys() == last_row_in.keys()
    assert all(last_row_in[pk] <= settled_in[pk] for pk in settled_in)
    # Claims are settled as the corpus goes (at most the window's 200 claims per language
    # wait), not all at the end.
    last = max(settled_in.values())
    assert sum(number < last for number in settled_in.values()) > 1000


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of a few articles and a short window of repeatable claims, so that claims are
    settled batches after their own, and reappear in between."""
    monkeypatch.setattr(corpus, "REAPPEARANCE_WINDOW", 4)
    monkeypatch.setattr(corpus, "REAPPEARANCE_SHARE", 0.5)
    monkeypatch.setattr(corpus, "DELETED_CLAIM_SHARE", 0.05)
    monkeypatch.setattr(load.corpus, "generate", partial(corpus.generate, articles_per_batch=5))


def test_the_read_model_loaded_with_the_corpus_is_what_rebuild_published_makes(db, small_batches):
    load.ensure_corpus(300, 5, log=lambda message: None)

    assert PublishedClaim.objects.count() == Claim.objects.visible_to(published.READER).count()
    assert PublishedClaim.objects.count() > 200
    assert Claim.objects.filter(deleted_at__isnull=False).exists()
    # Claims repeated by later articles are there, in the read model too.
    repeated = Claim.objects.annotate(n=Count("appearances")).filter(n__gt=1)
    assert repeated.filter(publication__isnull=False).exists()
    assert not published.differences()
    assert not published.rebuild()


def test_a_stored_document_unlike_the_live_one_stops_the_build(db):
    load.ensure_corpus(120, 6, log=lambda message: None)
    load._check_read_model(6)
    stored = PublishedClaim.objects.order_by("claim_id").first()
    stored.document = stored.document.replace('"claimant":', '"claimant" :', 1)
    stored.save()

    with pytest.raises(RuntimeError, match=r"differs from the live representation for 1 of"):
        load._check_read_model(6)


def test_documents_are_made_with_the_batch_that_settles_their_claim():
    start = corpus.IdStart(user=100, source=10)
    plan = corpus.make_plan(200, 3, TAG_IDS, start)
    tags = {pk: (rank, {"slug": f"t{pk}", "label": f"T{pk}", "labels": {}}) for rank, pk in
            enumerate(reversed(TAG_IDS))}  # fmt: skip
    read_model = documents.ReadModel(plan, tags)
    batches = list(documents.with_documents(corpus.generate(plan, start), read_model))
    made = [pk for batch in batches for pk, _ in batch[documents.TABLE]]
    settled = {pk for batch in batches for pk in batch[corpus.SETTLED]}
    assert len(made) == len(set(made)) and set(made) <= settled
    assert not read_model.waiting
