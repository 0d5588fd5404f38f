"""Re-anchoring in the background: an article with more appearances than
CLAIMDESK_REANCHOR_INLINE_MAX gets its new capture at once, its appearances marked
"re-anchoring…" (on the reader and the claim page) until a job moves them and records each
move in the journal, as the inline re-anchoring does; small articles stay inline."""

import pytest
from django.core.management import call_command

from annotations.models import Appearance
from journal.models import Entry
from tests.annotations.test_reanchoring import (
    KEPT,
    REMOVED,
    mark,
    recapture,
    seed_text,
    with_inserted_paragraph,
)
from tests.factories import CLAIM_SENTENCE

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_appearances(seeded, alice_journalist, settings):
    """The seed article with three appearances, above an inline limit of two."""
    from archive.models import Capture

    settings.CLAIMDESK_REANCHOR_INLINE_MAX = 2
    first = Capture.objects.get()
    mark(first, REMOVED, alice_journalist)
    mark(first, KEPT, alice_journalist)
    return first


def test_a_large_article_is_re_anchored_by_a_job_after_its_capture_is_stored(
    three_appearances, client, django_capture_on_commit_callbacks
):
    first = three_appearances
    _, body = seed_text()

    with django_capture_on_commit_callbacks() as queued:
        result = recapture(with_inserted_paragraph(body))
        # Stored, not yet moved: every appearance is marked and still on the first capture.
        assert set(Appearance.objects.values_list("capture", "reanchoring")) == {(first.pk, True)}
        page = client.get(f"/articles/{first.article_id}/").text
        assert "<strong>Re-anchoring…</strong> 1 claim appearance is being moved" in page
    assert len(queued) == 1

    queued[0]()  # the commit's callback: the job runs (the test backend runs it at once)

    seed = Appearance.objects.get(quote=CLAIM_SENTENCE)
    assert (seed.capture, seed.reanchoring, seed.anchor_method) == (
        result.capture,
        False,
        "exact",
    )
    assert not Appearance.objects.filter(reanchoring=True).exists()
    moves = Entry.objects.filter(kind="appearance", actor_name="re-anchoring")
    assert moves.count() == 3
    assert "Re-anchoring…" not in client.get(f"/articles/{first.article_id}/").text


def test_the_claim_page_says_an_appearance_is_being_re_anchored(
    three_appearances, client, django_capture_on_commit_callbacks
):
    _, body = seed_text()
    with django_capture_on_commit_callbacks():
        recapture(with_inserted_paragraph(body))
        seed = Appearance.objects.get(quote=CLAIM_SENTENCE)
        page = client.get(f"/claims/{seed.claim_id}/").text
    assert '<strong class="flag">re-anchoring…</strong>' in page


def test_a_small_article_is_re_anchored_in_the_capture_s_transaction(
    seeded, django_capture_on_commit_callbacks
):
    _, body = seed_text()
    with django_capture_on_commit_callbacks():
        result = recapture(with_inserted_paragraph(body))
        # Moved before the capture's transaction ends.
        seed = Appearance.objects.get(quote=CLAIM_SENTENCE)
        assert (seed.capture, seed.reanchoring) == (result.capture, False)


# Committed, so that the job is queued in the database for the worker.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_runs_the_re_anchoring_job_of_the_database_backend(alice_journalist, settings):
    from archive.models import Capture

    call_command("load_seeds", verbosity=0)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.CLAIMDESK_REANCHOR_INLINE_MAX = 2
    first = Capture.objects.get()
    mark(first, REMOVED, alice_journalist)
    mark(first, KEPT, alice_journalist)
    _, body = seed_text()

    result = recapture(with_inserted_paragraph(body))
    assert Appearance.objects.filter(reanchoring=True, capture=first).count() == 3

    call_command("worker", "--batch", verbosity=0)

    assert not Appearance.objects.filter(reanchoring=True).exists()
    assert Appearance.objects.get(quote=CLAIM_SENTENCE).capture == result.capture
