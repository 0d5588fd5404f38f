"""Regression (issue 21, item 5): jobs recover from any kill. A job whose task a worker took
and died with — before the job was marked running — is queued again (it stayed queued
forever), and that worker's task row no longer stays running."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from archive import imports
from archive.models import Article, ImportJob
from tests.factories import CAPTURE_TEXT

pytestmark = pytest.mark.django_db

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


@pytest.fixture
def queued(settings, tmp_path, alice_journalist, django_capture_on_commit_callbacks):
    """A job of one text file, queued in the database backend (its task row waits)."""
    settings.TASKS = DATABASE_BACKEND

    def make(name: str = "one.txt") -> ImportJob:
        path = tmp_path / name
        path.write_text(f"{name}\n{CAPTURE_TEXT}")
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.create_import(actor=alice_journalist, inputs=imports.path_inputs([path]))
        job.refresh_from_db()
        return job

    return make


def taken_by_a_dead_worker(job: ImportJob, *, minutes_ago: float = 5) -> DBTaskResult:
    """The job's task taken by a worker that died before it marked the job running."""
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    task = DBTaskResult.objects.get(pk=job.task_id)
    task.claim("a-worker-that-died")
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=then)
    ImportJob.objects.filter(pk=job.pk).update(enqueued_at=then)
    return task


def recover(capture) -> list[int]:
    with capture(execute=True):
        return imports.recover_stale_imports()


def test_a_job_records_the_task_that_runs_it(queued):
    job = queued()
    task = DBTaskResult.objects.get()
    assert (job.status, job.task_id) == ("queued", str(task.pk))
    assert task.status == TaskResultStatus.READY
    assert job.enqueued_at is not None


def test_a_job_whose_task_was_taken_by_a_dead_worker_is_queued_again(
    queued, django_capture_on_commit_callbacks
):
    job = queued()
    dead = taken_by_a_dead_worker(job)

    assert recover(django_capture_on_commit_callbacks) == [job.pk]

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("queued", 1)  # the dead worker's run counts
    fresh = DBTaskResult.objects.exclude(pk=dead.pk).get()
    assert (job.task_id, fresh.status) == (str(fresh.pk), TaskResultStatus.READY)
    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED
    assert dead.exception_class_path == "core.jobs.WorkerLost"


def test_a_job_waiting_in_line_or_just_taken_is_left_alone(
    queued, django_capture_on_commit_callbacks
):
    waiting = queued("waiting.txt")
    ImportJob.objects.filter(pk=waiting.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(hours=1)
    )
    taken = queued("taken.txt")
    taken_by_a_dead_worker(taken, minutes_ago=0.1)  # a live worker claims the job at once

    assert recover(django_capture_on_commit_callbacks) == []
    assert DBTaskResult.objects.count() == 2


def test_a_job_never_handed_to_the_backend_is_queued(queued, django_capture_on_commit_callbacks):
    job = queued()
    DBTaskResult.objects.all().delete()
    ImportJob.objects.filter(pk=job.pk).update(
        task_id="", enqueued_at=None, created_at=timezone.now() - dt.timedelta(hours=1)
    )

    assert recover(django_capture_on_commit_callbacks) == [job.pk]
    assert ImportJob.objects.get(pk=job.pk).task_id == str(DBTaskResult.objects.get().pk)


def test_a_job_whose_task_keeps_dying_fails_after_its_attempts(
    queued, settings, django_capture_on_commit_callbacks
):
    settings.CLAIMDESK_JOB_MAX_ATTEMPTS = 2
    job = queued()
    taken_by_a_dead_worker(job)
    recover(django_capture_on_commit_callbacks)
    taken_by_a_dead_worker(ImportJob.objects.get(pk=job.pk))

    assert recover(django_capture_on_commit_callbacks) == []

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)
    assert job.error.startswith("The worker running this import stopped 2 times")


# serialized_rollback: the role groups come from a data migration that a flush would erase.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_runs_again_a_job_taken_by_a_worker_that_died(
    settings, tmp_path, alice_journalist
):
    settings.TASKS = DATABASE_BACKEND
    path = tmp_path / "one.txt"
    path.write_text(f"Premier\n{CAPTURE_TEXT}")
    job = imports.create_import(actor=alice_journalist, inputs=imports.path_inputs([path]))
    job.refresh_from_db()
    dead = taken_by_a_dead_worker(job)

    call_command("worker", "--batch", verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == ("succeeded", 1, 2)
    assert Article.objects.get().title == "Premier"
    assert DBTaskResult.objects.get(pk=dead.pk).status == TaskResultStatus.FAILED
