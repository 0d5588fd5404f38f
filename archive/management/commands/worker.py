"""Run background jobs with the worker of the configured task backend (TASKS): the database
backend's `db_worker`, or RQ's `rqworker` for the Redis backend. Beside it, the imports whose
worker died are queued again, the database backend's task rows of dead workers expire, and the
periodic work of `core.schedule` (watches, re-captures) runs every CLAIMDESK_SCHEDULE_INTERVAL
seconds."""

import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend

from archive.imports import recover_stale_imports, remove_orphaned_uploads
from core import schedule
from core.jobs import expire_stale_tasks

logger = logging.getLogger("archive.imports")


def recover() -> list[int]:
    """Fail the task rows whose worker died (their lease ran out), then queue again the
    imports whose worker died (their ids returned)."""
    expired = expire_stale_tasks()
    if expired:
        logger.warning("%s task(s) of workers that died were marked failed", expired)
    return recover_stale_imports()


def recover_forever(stop: threading.Event, interval: float) -> None:
    """Every `interval` seconds, take back the jobs whose worker stopped reporting, and
    delete the upload folders no import needs any more."""
    while not stop.wait(interval):
        try:
            recover()
            remove_orphaned_uploads()
        except Exception:
            logger.exception("Looking for imports whose worker died failed; trying again later")
        finally:
            connection.close()


def tick_forever(stop: threading.Event, interval: float) -> None:
    """Run the periodic work now, then every `interval` seconds until `stop`."""
    while not stop.is_set():
        try:
            schedule.tick()
        finally:
            connection.close()
        stop.wait(interval)


class Command(BaseCommand):
    help = (
        "Run background jobs (imports, re-anchoring) with the configured task backend's worker, "
        "and the schedule (watches, re-captures) between them; imports whose worker died are "
        "queued again and resume where they stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="run every job waiting now, then exit"
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="exit after running this many jobs"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait for new jobs when there are none (default 1)",
        )
        parser.add_argument("--worker-id", default=None, help="a unique name for this worker")

    def handle(self, *, batch, max_tasks, interval, worker_id, verbosity, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        rq = type(backend).__module__.startswith("django_tasks_rq")
        if not rq and not isinstance(backend, DatabaseBackend):
            raise CommandError(
                f"CLAIMDESK_TASK_BACKEND={settings.CLAIMDESK_TASK_BACKEND}: jobs run at once "
                "where they are asked for, so there is no worker to start."
            )
        requeued = recover()
        if requeued and verbosity:
            self.stdout.write(f"Queued again the imports whose worker died: {requeued}")
        stop = threading.Event()
        if batch:
            # What is due now (a watch checked on demand, say) is done before exiting.
            schedule.tick()
        else:
            for name, loop, interval in (
                (
                    "claimdesk-import-recovery",
                    recover_forever,
                    settings.CLAIMDESK_JOB_CHECK_INTERVAL,
                ),
                ("claimdesk-schedule", tick_forever, settings.CLAIMDESK_SCHEDULE_INTERVAL),
            ):
                threading.Thread(target=loop, args=(stop, interval), name=name, daemon=True).start()
        try:
            common = {"batch": batch, "max_tasks": max_tasks, "worker_id": worker_id}
            if rq:
                self.rq_worker(**common)
            else:
                self.db_worker(**common, interval=interval, verbosity=verbosity)
        finally:
            stop.set()

    def db_worker(self, *, batch, max_tasks, interval, worker_id, verbosity):
        arguments = {
            "queue_name": "*",
            "interval": interval,
            "batch": batch,
            "reload": False,
            "startup_delay": not batch,
            "max_tasks": max_tasks,
            "verbosity": verbosity,
        }
        if worker_id:
            arguments["worker_id"] = worker_id
        call_command("db_worker", **arguments)

    def rq_worker(self, *, batch, max_tasks, worker_id):
        # RQ runs django.tasks' tasks with the Redis backend's own job class.
        arguments = ["--job-class", "django_tasks_rq.backend.Job"]
        if batch:
            arguments.append("--burst")
        if max_tasks:
            arguments += ["--max-jobs", str(max_tasks)]
        if worker_id:
            arguments += ["--name", worker_id]
        call_command("rqworker", *settings.RQ_QUEUES, *arguments)
