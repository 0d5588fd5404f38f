"""Running one job's work in a child process under a memory and a time ceiling, so that a job
cannot take its worker down: the child is forked (it inherits the code and the settings, and
opens its own database connections), its address space is capped with RLIMIT_AS, and the
parent kills it when its time is up. The parent learns how it ended (`Ended`) and goes on.

Forking needs every database connection closed first (a connection shared by two processes
corrupts both), which is impossible while a transaction is open, and an in-memory SQLite
database cannot be shared with another process at all: `can_isolate()` says whether this
process may fork now; the caller runs the work in its own process otherwise."""

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import multiprocessing
import os
import resource
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

# The child's exit status when an allocation failed under its memory ceiling: reported by the
# exit status alone, since reporting anything else could need the memory that is lacking.
MEMORY_EXIT = 75
MB = 2**20


@dataclass(frozen=True)
class Ended:
    """How a child's work ended: "returned" (`value`), "raised" (`error`, a line with the
    exception), "memory" or "time" (a ceiling was reached and the child stopped), or "died"
    (killed, or exited without a word: `error` says how)."""

    how: str
    value: object = None
    error: str = ""


# What the workers run beside their jobs to take back work whose worker died: registered by
# the apps above (AppConfig.ready), run by `manage.py worker` when it starts and every
# CLAIMDESK_JOB_CHECK_INTERVAL seconds.
_recoveries: list[Callable[[], object]] = []


def on_recover(recovery: Callable[[], object]) -> None:
    """Have the workers call `recovery` when they start and every
    CLAIMDESK_JOB_CHECK_INTERVAL seconds."""
    if recovery not in _recoveries:
        _recoveries.append(recovery)


def run_recoveries() -> None:
    """Call every registered recovery (see `on_recover`)."""
    for recovery in _recoveries:
        recovery()


def task_lease() -> float:
    """Seconds after which a task row of the database backend still marked running belongs to
    a worker that died: no job runs longer than CLAIMDESK_JOB_MAX_SECONDS, and a live worker
    records its end within CLAIMDESK_JOB_STALE_AFTER more."""
    return settings.CLAIMDESK_JOB_MAX_SECONDS + settings.CLAIMDESK_JOB_STALE_AFTER


def _database_backend() -> bool:
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def _failed_by_lease(now) -> dict:
    return {
        "status": TaskResultStatus.FAILED,
        "finished_at": now,
        "return_value": None,
        "exception_class_path": "core.jobs.WorkerLost",
        "traceback": "WorkerLost: the worker that took this task stopped before finishing it "
        "(its lease, CLAIMDESK_JOB_MAX_SECONDS + CLAIMDESK_JOB_STALE_AFTER, ran out).",
    }


def expire_stale_tasks(*, now=None) -> int:
    """Mark failed the database backend's task rows still "running" `task_lease()` seconds
    after a worker took them (django-tasks-db leaves a dead worker's rows running forever);
    how many. Other backends keep their own books."""
    if not _database_backend():
        return 0
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=task_lease())
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(**_failed_by_lease(now))


def expire_task(task_id: str, *, now=None) -> None:
    """Mark failed one task row of the database backend still "running" (its worker is known
    to be dead)."""
    if not task_id or not _database_backend():
        return
    with contextlib.suppress(ValidationError):  # not one of this backend's ids
        DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
            **_failed_by_lease(now or timezone.now())
        )


def can_isolate() -> bool:
    """Whether work may run in a forked child now: fork exists, no connection is inside a
    transaction (closing it would end the transaction, and the child would not see what it
    holds), and no database lives only in this process's memory."""
    if not hasattr(os, "fork"):
        return False
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            return False
    for alias in connections:
        connection = connections[alias]
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            return False
    return True


def run_bounded(
    function: Callable, *args, max_memory_mb: int, max_seconds: float, while_waiting=None
) -> Ended:
    """Call `function(*args)` in a forked child whose address space may grow by at most
    `max_memory_mb` and which is killed after `max_seconds`; how it ended. `while_waiting`,
    if given, is a context manager the parent holds while it waits (a heartbeat, say).
    The value returned must pickle; keep it small."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    # Closed here so that the child opens its own; the parent reopens them when it next
    # queries. (An in-memory SQLite database is never closed; can_isolate() refuses it.)
    connections.close_all()
    child = context.Process(
        target=_child,
        args=(writer, function, args, max_memory_mb),
        name="claimdesk-job",
        daemon=False,
    )
    with warnings.catch_warnings():
        # Python warns that forking a process with threads may deadlock the child: the worker's
        # other threads (the recovery loop) hold no lock the child takes; logging's locks are
        # reset at fork.
        warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
        child.start()
    writer.close()
    ends = time.monotonic() + max_seconds
    message = None
    with while_waiting or contextlib.nullcontext():
        try:
            if not reader.poll(max(0.0, ends - time.monotonic())):
                child.kill()
                child.join()
                return Ended("time")
            with contextlib.suppress(EOFError, OSError):
                message = reader.recv()
            # It has said how it ended (or died): a moment to exit, then it is stopped (a
            # thread of its own that holds it back does not change how the work ended).
            child.join(max(1.0, ends - time.monotonic()) if message is None else 5.0)
        finally:
            reader.close()
            if child.is_alive():  # an error above, or slow to exit: leave no child behind
                child.kill()
                child.join()
    if child.exitcode == MEMORY_EXIT:
        return Ended("memory")
    if message is not None:
        how, payload = message
        if how == "returned":
            return Ended("returned", value=payload)
        return Ended("raised", error=payload)
    if child.exitcode is not None and child.exitcode < 0:
        name = signal.Signals(-child.exitcode).name
        return Ended("died", error=f"its process was killed ({name})")
    return Ended("died", error=f"its process exited with status {child.exitcode} without a word")


def _child(writer, function: Callable, args: tuple, max_memory_mb: int) -> None:
    _die_with_parent()
    # Ctrl-C reaches the whole process group: the worker finishes its current job on the
    # first one, so the job's child must not stop on it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _forget_inherited_pools()
    _limit_memory(max_memory_mb)
    try:
        try:
            value = function(*args)
        except MemoryError:
            raise
        except BaseException as exc:
            line = f"{type(exc).__name__}: {exc}".strip()
            traceback.print_exc(file=sys.stderr)
            writer.send(("raised", line[:2000]))
        else:
            writer.send(("returned", value))
        writer.close()
        connections.close_all()
        _close_own_pools()
    except MemoryError:
        with contextlib.suppress(BaseException):  # where, if there is memory left to say it
            traceback.print_exc(file=sys.stderr)
        os._exit(MEMORY_EXIT)


def _limit_memory(max_memory_mb: int) -> None:
    """Cap the address space at what the child has mapped already (inherited from the
    worker) plus `max_memory_mb`: an allocation beyond it fails with MemoryError."""
    try:
        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        mapped = 0
    ceiling = mapped + max_memory_mb * MB
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def _die_with_parent() -> None:
    """On Linux, have the kernel kill the child when the worker dies, so that no job runs on
    unwatched (its heartbeat stopped with the worker)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# Pools (psycopg's, with DATABASE_POOL) inherited from the parent hold the parent's sockets:
# kept referenced here, never used nor closed (closing would end the parent's sessions), so
# that the child builds its own.
_INHERITED = []


def _forget_inherited_pools() -> None:
    for alias in connections:
        wrapper = type(connections[alias])
        pools = getattr(wrapper, "_connection_pools", None)
        if pools:
            _INHERITED.extend(pools.values())
            pools.clear()


def _close_own_pools() -> None:
    """Close the pools the child opened, so that the database sees its sessions end."""
    for alias in connections:
        connection = connections[alias]
        if alias in getattr(type(connection), "_connection_pools", {}):
            with contextlib.suppress(Exception):
                connection.close_pool()
