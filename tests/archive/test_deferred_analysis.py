"""What an import leaves to a worker: the language of articles that declare none and the
analysis of the captures stored in batches — marked pending when the batch is stored, done
by the task queued once it commits, or by the workers' sweep when that task was lost."""

import contextlib
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import CaptureAnalysis
from annotations.services import claim_language
from archive import imports
from archive.models import Article, Capture
from core import schedule
from intelligence.analysis import METHOD, analyse, analyse_capture
from journal.models import Entry
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

SEED = settings.BASE_DIR / "seeds" / "000_8c62be7ee0a13371.txt"
ENGLISH = "Officials said on Tuesday that the meeting had been postponed until further notice."


def archive(*paths, **options) -> str:
    out = io.StringIO()
    call_command("archive", *map(str, paths), stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def write_texts(folder, count: int, body: str = ENGLISH) -> list:
    folder.mkdir(exist_ok=True)
    for n in range(count):
        title = f"{folder.name} {n}"  # new articles, whatever was archived before
        (folder / f"{n:03d}.txt").write_text(f"{title}\n\n{body} {n}.", encoding="utf-8")
    return sorted(folder.glob("*.txt"))


def test_a_batch_is_stored_with_its_analysis_pending_and_the_worker_completes_it(
    django_capture_on_commit_callbacks,
):
    source = SourceFactory(slug="akipress", language="ru")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        archive(SEED, "--source", "akipress")
        article = Article.objects.get()
        capture = article.captures.get()
        # Stored: the source's language until detection, the analysis not computed yet.
        assert (article.language, article.language_pending) == ("ru", True)
        assert CaptureAnalysis.objects.get(capture=capture).pending
        # Readers meanwhile: the language the text is in, the insertions computed for them.
        assert claim_language(capture) == "fr"
        assert {"power", "event"} <= {s["text"] for s in analyse(capture, None).foreign_spans}
        assert not Entry.objects.filter(kind="article", action="edited").exists()
    assert len(queued) == 2  # the languages, the analyses: one task each for the batch

    article.refresh_from_db()
    assert (article.language, article.language_pending, article.source) == ("fr", False, source)
    stored = CaptureAnalysis.objects.get(capture=capture)
    assert (stored.language, stored.method, stored.pending) == ("fr", METHOD, False)
    # The same analysis as one computed when a capture is stored.
    assert stored.foreign_spans == analyse_capture(capture).foreign_spans
    # The detection is journaled as a change of the article, by its own actor.
    edited = Entry.objects.get(kind="article", action="edited")
    assert (edited.object_id, edited.actor_name, edited.public) == (
        article.pk,
        "language-detection",
        True,
    )
    assert edited.changes == [{"field": "language", "from": "ru", "to": "fr"}]


def test_a_declared_language_is_stored_at_once_and_leaves_only_the_analysis(
    tmp_path, django_capture_on_commit_callbacks
):
    paths = write_texts(tmp_path / "texts", 3)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        archive(*paths, "--language", "en")
        assert not Article.objects.filter(language_pending=True).exists()
        assert CaptureAnalysis.objects.filter(method="").count() == 3
    assert len(queued) == 1
    assert set(Article.objects.values_list("language", flat=True)) == {"en"}
    assert set(CaptureAnalysis.objects.values_list("method", "language")) == {(METHOD, "en")}
    assert not Entry.objects.filter(kind="article", action="edited").exists()


def test_work_whose_task_was_lost_is_done_by_the_workers_sweep(tmp_path, settings):
    paths = write_texts(tmp_path / "texts", 3)
    archive(*paths)  # the test's transaction never commits: the queued tasks never run
    assert Article.objects.filter(language_pending=True).count() == 3
    assert CaptureAnalysis.objects.filter(method="").count() == 3

    settings.CLAIMDESK_JOB_STALE_AFTER = 3600  # pending for less than that: left to its task
    assert schedule.tick()["archive.pending_languages"] == 0
    assert Article.objects.filter(language_pending=True).count() == 3

    settings.CLAIMDESK_JOB_STALE_AFTER = 0
    done = schedule.tick()
    assert (done["archive.pending_languages"], done["intelligence.pending_analyses"]) == (3, 3)
    assert set(Article.objects.values_list("language", "language_pending")) == {("en", False)}
    assert not CaptureAnalysis.objects.filter(method="").exists()
    assert Entry.objects.filter(kind="article", action="edited").count() == 3


def test_the_analysis_alone_settles_the_languages_it_needs(tmp_path):
    from intelligence.pending import analyse_pending

    archive(*write_texts(tmp_path / "texts", 2))
    assert analyse_pending(capture_ids=Capture.objects.values_list("pk", flat=True)) == 2
    assert set(Article.objects.values_list("language", "language_pending")) == {("en", False)}
    assert set(CaptureAnalysis.objects.values_list("language", flat=True)) == {"en"}
    assert analyse_pending(capture_ids=Capture.objects.values_list("pk", flat=True)) == 0


def queries_of_command(folder, count: int) -> int:
    paths = write_texts(folder, count)
    with CaptureQueriesContext(connection) as queries:
        archive(*paths)
    assert Article.objects.filter(title__startswith=folder.name).count() == count
    return len(queries)


def test_a_batch_takes_the_same_statements_for_n_and_2n_files(tmp_path):
    # Languages undeclared, so detection is deferred too: nothing is done per file.
    assert queries_of_command(tmp_path / "a", 20) == queries_of_command(tmp_path / "b", 40)


def queries_of_job(actor, folder, count: int, monkeypatch) -> int:
    job = imports.create_import(actor=actor, inputs=imports.path_inputs(write_texts(folder, count)))
    monkeypatch.setattr(imports, "can_isolate", lambda: False)  # the job in this process
    with CaptureQueriesContext(connection) as queries:
        assert imports.run_import(job.pk) == "succeeded"
    assert job.items.count() == count
    return len(queries)


def test_an_import_job_takes_the_same_statements_for_n_and_2n_files(
    alice_journalist, tmp_path, monkeypatch
):
    # The heartbeat's thread writes on its own schedule: not the batches' statements.
    monkeypatch.setattr(imports, "_beating", lambda *args: contextlib.nullcontext())
    few = queries_of_job(alice_journalist, tmp_path / "a", 20, monkeypatch)
    many = queries_of_job(alice_journalist, tmp_path / "b", 40, monkeypatch)
    assert few == many
