"""Work in a child process under a memory and a time ceiling (core.jobs): the parent learns how
the child ended — returned, raised, over a ceiling, killed — and is itself unharmed."""

import datetime as dt
import os
import signal
import threading
import time

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.jobs import Ended, can_isolate, expire_stale_tasks, run_bounded

MB = 2**20


def allocate(megabytes: int) -> int:
    blocks = [bytearray(MB) for _ in range(megabytes)]
    return len(blocks)


def test_the_value_returned_by_the_child_reaches_the_parent():
    assert run_bounded(allocate, 8, max_memory_mb=64, max_seconds=30) == Ended("returned", 8)


def test_a_child_allocating_beyond_its_ceiling_is_stopped_and_reported():
    began = time.monotonic()

    ended = run_bounded(allocate, 400, max_memory_mb=64, max_seconds=30)

    assert ended == Ended("memory")
    assert time.monotonic() - began < 10


def test_a_child_running_beyond_its_time_is_killed_and_reported():
    began = time.monotonic()

    ended = run_bounded(time.sleep, 20, max_memory_mb=64, max_seconds=0.5)

    assert ended == Ended("time")
    assert time.monotonic() - began < 5


def test_an_exception_in_the_child_is_reported_in_a_line():
    def fail():
        raise ValueError("no such thing")

    assert run_bounded(fail, max_memory_mb=64, max_seconds=30) == Ended(
        "raised", error="ValueError: no such thing"
    )


def test_a_child_killed_by_a_signal_is_reported_as_dead():
    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    assert run_bounded(die, max_memory_mb=64, max_seconds=30) == Ended(
        "died", error="its process was killed (SIGKILL)"
    )


def returns_leaving_a_thread_behind() -> str:
    threading.Thread(target=time.sleep, args=(60,)).start()
    return "done"


def test_a_child_that_answered_but_lingers_is_stopped_and_its_answer_kept():
    began = time.monotonic()

    ended = run_bounded(returns_leaving_a_thread_behind, max_memory_mb=64, max_seconds=30)

    assert ended == Ended("returned", "done")
    assert time.monotonic() - began < 20


def test_the_parent_holds_its_context_while_the_child_works():
    held = []

    class Beat:
        def __enter__(self):
            held.append("in")

        def __exit__(self, *exc):
            held.append("out")

    run_bounded(time.sleep, 0.1, max_memory_mb=64, max_seconds=30, while_waiting=Beat())

    assert held == ["in", "out"]


@pytest.mark.django_db
def test_no_child_inside_a_transaction():
    # The test's transaction is open: a child would not see what it holds.
    assert not can_isolate()


# Task rows of workers that died (django-tasks-db)


def task_row(*, status: str, started_minutes_ago: float | None) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="archive.imports.run_import_job",
        backend_name="default",
        run_after=now,
        started_at=None
        if started_minutes_ago is None
        else now - dt.timedelta(minutes=started_minutes_ago),
        worker_ids=["a-worker"],
    )


@pytest.mark.django_db
def test_task_rows_still_running_past_their_lease_are_failed(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.CLAIMDESK_JOB_MAX_SECONDS = 600
    settings.CLAIMDESK_JOB_STALE_AFTER = 60  # a lease of 11 minutes
    dead = task_row(status=TaskResultStatus.RUNNING, started_minutes_ago=12)
    live = task_row(status=TaskResultStatus.RUNNING, started_minutes_ago=10)
    waiting = task_row(status=TaskResultStatus.READY, started_minutes_ago=None)

    assert expire_stale_tasks() == 1

    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED
    assert dead.finished_at is not None
    assert dead.exception_class_path == "core.jobs.WorkerLost"
    assert "the worker that took this task stopped" in dead.traceback
    assert DBTaskResult.objects.get(pk=live.pk).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=waiting.pk).status == TaskResultStatus.READY


@pytest.mark.django_db
def test_other_backends_keep_their_own_books():
    task_row(status=TaskResultStatus.RUNNING, started_minutes_ago=10_000)
    assert expire_stale_tasks() == 0  # the suite's immediate backend
