"""Regression (issue 21, item 4): a job cannot take its worker down. Each import runs in a
child process under CLAIMDESK_JOB_MAX_MEMORY_MB and CLAIMDESK_JOB_MAX_SECONDS; past either it
fails saying which, and the worker goes on with the next job. A job that kills its process
is tried CLAIMDESK_JOB_MAX_ATTEMPTS times, then fails.

The child shares the database with the worker, so these tests need PostgreSQL or an SQLite
file; the suite's in-memory SQLite database runs jobs in the worker's own process (and
tests/archive/test_worker_process.py checks the same on an SQLite file)."""

import os
import signal
import time

import pytest
from django.core.management import call_command

from archive import imports
from archive.models import Article, ImportJob
from core.jobs import can_isolate
from tests.factories import CAPTURE_TEXT

# serialized_rollback: the role groups come from a data migration that a flush would erase.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}
MB = 2**20


@pytest.fixture
def worker(settings):
    """Jobs queued in the database for `manage.py worker --batch`, run in child processes."""
    if not can_isolate():
        pytest.skip("a job's child process needs a database it can share (PostgreSQL, a file)")
    settings.TASKS = DATABASE_BACKEND
    return lambda: call_command("worker", "--batch", verbosity=0)


def a_job(tmp_path, name: str, *, actor) -> ImportJob:
    path = tmp_path / name
    path.write_text(f"{name}\n{CAPTURE_TEXT}")
    return imports.create_import(actor=actor, inputs=imports.path_inputs([path]))


def when_read(monkeypatch, name: str, action) -> None:
    """Do `action` (in the job's process) when the file `name` is read."""
    renamed = imports._Run.renamed

    def reading(self, entry, path, item):
        if entry["name"].endswith(name):
            action()
        return renamed(self, entry, path, item)

    monkeypatch.setattr(imports._Run, "renamed", reading)


def allocate_512_mb():
    blocks = [bytearray(MB) for _ in range(512)]
    assert len(blocks) == 512


def test_a_job_using_more_memory_than_its_ceiling_fails_and_the_next_runs(
    worker, alice_journalist, tmp_path, monkeypatch, settings
):
    settings.CLAIMDESK_JOB_MAX_MEMORY_MB = 256
    when_read(monkeypatch, "hog.txt", allocate_512_mb)
    hog = a_job(tmp_path, "hog.txt", actor=alice_journalist)
    after = a_job(tmp_path, "after.txt", actor=alice_journalist)

    worker()

    hog.refresh_from_db()
    assert (hog.status, hog.done, hog.runner) == ("failed", 0, "")
    assert hog.error.startswith("Stopped: used more than 256 MB (CLAIMDESK_JOB_MAX_MEMORY_MB).")
    assert hog.finished_at is not None
    after.refresh_from_db()
    assert (after.status, after.done) == ("succeeded", 1)
    assert list(Article.objects.values_list("title", flat=True)) == ["after.txt"]


@pytest.mark.slow
def test_a_job_running_longer_than_its_ceiling_is_stopped_and_the_next_runs(
    worker, alice_journalist, tmp_path, monkeypatch, settings
):
    settings.CLAIMDESK_JOB_MAX_SECONDS = 3  # time for the next job to load what it uses
    when_read(monkeypatch, "slow.txt", lambda: time.sleep(30))
    slow = a_job(tmp_path, "slow.txt", actor=alice_journalist)
    after = a_job(tmp_path, "after.txt", actor=alice_journalist)
    began = time.monotonic()

    worker()

    assert time.monotonic() - began < 20
    slow.refresh_from_db()
    assert slow.status == "failed"
    assert slow.error.startswith("Stopped: ran longer than 3 seconds (CLAIMDESK_JOB_MAX_SECONDS).")
    assert ImportJob.objects.get(pk=after.pk).status == "succeeded"


@pytest.mark.slow
def test_a_job_that_kills_its_process_is_tried_max_attempts_times_then_fails(
    worker, alice_journalist, tmp_path, monkeypatch, settings
):
    settings.CLAIMDESK_JOB_MAX_ATTEMPTS = 2
    when_read(monkeypatch, "crash.txt", lambda: os.kill(os.getpid(), signal.SIGKILL))
    crash = a_job(tmp_path, "crash.txt", actor=alice_journalist)
    after = a_job(tmp_path, "after.txt", actor=alice_journalist)

    worker()  # the crash, queued again, then run again, then the next job

    crash.refresh_from_db()
    assert (crash.status, crash.attempts) == ("failed", 2)
    assert crash.error == (
        "The worker running this import stopped 2 times; 0 item(s) were archived or checked "
        "before (listed). Import the rest again, or in smaller parts. Last: its process was "
        "killed (SIGKILL)."
    )
    assert ImportJob.objects.get(pk=after.pk).status == "succeeded"
