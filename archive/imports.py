"""Imports as jobs: asking for one (`create_import`, with `save_upload` for uploaded files),
running it in a worker (`run_import`, the task `run_import_job`) and taking back the jobs
whose worker died (`recover_stale_imports`).

A job reads its inputs with the archive command's readers and stores them as the command does,
in batches (`archive.services.archive_documents`: each item atomically, a batch per
transaction), each batch committed together with its items' `ImportItem` rows and the job's
progress. So an item is stored exactly when its row exists: a job that is run again (its
worker was killed, its database went away) skips the items it has rows for and stores the
others, and its report says only what was stored."""

import collections
import contextlib
import datetime as dt
import logging
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.tasks import TaskResultStatus, task
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from accounts.actors import IMPORT, Actor, is_system
from accounts.roles import is_admin
from core.jobs import Ended, can_isolate, expire_task, run_bounded

from . import rules
from .ingest.documents import IngestError, Item
from .ingest.inputs import is_url, kind_of, read_input
from .ingest.language import warm_up
from .ingest.readers import SUPPORTED_SUFFIXES, count_jsonl, count_warc
from .models import Capture, ImportItem, ImportJob, Source
from .services import LOST_CONNECTION, ArchiveResult, BatchLost, archive_documents

logger = logging.getLogger(__name__)

SYSTEM_ACTORS = {IMPORT.name: IMPORT}
# The folder made for each request's uploads (a uuid4 in hex).
UPLOAD_FOLDER = re.compile(r"[0-9a-f]{32}")


class ImportTooLarge(Exception):
    """An upload over CLAIMDESK_IMPORT_MAX_BYTES (HTTP 413)."""

    status_code = 413


class JobLost(Exception):
    """The job was taken from this run (declared stale and queued again): stop at once."""


def import_limit() -> int:
    return settings.CLAIMDESK_IMPORT_MAX_BYTES


def too_large_message(name: str) -> str:
    return gettext(
        "“%(name)s” is larger than the %(limit)s-byte limit of one import "
        "(CLAIMDESK_IMPORT_MAX_BYTES); split it into several files."
    ) % {"name": name, "limit": number_format(import_limit(), force_grouping=True)}


def too_many_files(exc: Exception) -> str:
    """The reason given for a request with more parts than Django reads (`exc` says which)."""
    return (
        f"More files or fields than one request takes ({exc}): at most "
        f"{settings.CLAIMDESK_IMPORT_MAX_FILES:,} files (CLAIMDESK_IMPORT_MAX_FILES); split "
        "them into several imports."
    )


# Asking for an import


def check_upload_name(name: str) -> None:
    """ValidationError naming the file unless its name ends in a supported suffix."""
    if kind_of(Path(name)) is None:
        raise ValidationError(
            {
                "file": gettext("“%(name)s”: unsupported file type; expected one of %(kinds)s.")
                % {"name": name, "kinds": ", ".join(SUPPORTED_SUFFIXES)}
            }
        )


def check_upload(upload: UploadedFile) -> str:
    """The upload's file name, once its kind and size are known to be acceptable
    (ValidationError, ImportTooLarge)."""
    name = Path(upload.name or "upload").name
    check_upload_name(name)
    if upload.size is not None and upload.size > import_limit():
        raise ImportTooLarge(too_large_message(name))
    return name


def upload_folder() -> str:
    """A new folder under CLAIMDESK_IMPORT_DIR for one request's uploads; its name."""
    folder = uuid.uuid4().hex
    (Path(settings.CLAIMDESK_IMPORT_DIR) / folder).mkdir(parents=True)
    return folder


def save_upload(upload: UploadedFile, folder: str | None = None) -> dict:
    """Keep an uploaded file under CLAIMDESK_IMPORT_DIR until a worker reads it, copied chunk
    by chunk (never whole in memory; Django deletes its own temporary file of a large upload)
    and cut off at CLAIMDESK_IMPORT_MAX_BYTES whatever its declared size; the job input that
    names it. In the request's `folder` (`upload_folder`), else in one of its own; a name
    already taken there gets a folder of its own inside it. Nothing is left behind when it
    fails."""
    name = check_upload(upload)
    limit = import_limit()
    root = Path(settings.CLAIMDESK_IMPORT_DIR)
    made = folder is None
    relative = Path(upload_folder() if made else folder)
    if (root / relative / name).exists():
        relative /= uuid.uuid4().hex
        (root / relative).mkdir()
        made = True
    try:
        size = 0
        with (root / relative / name).open("xb") as out:
            for chunk in upload.chunks():
                size += len(chunk)
                if size > limit:
                    raise ImportTooLarge(too_large_message(name))
                out.write(chunk)
    except BaseException:
        (root / relative / name).unlink(missing_ok=True)
        if made:
            shutil.rmtree(root / relative, ignore_errors=True)
        raise
    return {"path": f"{relative.as_posix()}/{name}", "name": name, "upload": True}


def create_upload_import(
    *,
    actor: Actor,
    uploads: list[UploadedFile],
    source: Source | None = None,
    language: str = "",
) -> ImportJob:
    """Queue a job that archives uploaded files: who may import and what each file is are
    checked before any is saved, and should anything fail once they are, none is left
    behind."""
    require_importer(actor)
    for upload in uploads:
        check_upload(upload)
    inputs: list[dict] = []
    # One folder for the request's files: a folder per file costs more than its file.
    folder = upload_folder()
    try:
        for upload in uploads:
            inputs.append(save_upload(upload, folder))
        return create_import(actor=actor, inputs=inputs, source=source, language=language)
    except BaseException:
        remove_upload_inputs(inputs)
        shutil.rmtree(Path(settings.CLAIMDESK_IMPORT_DIR) / folder, ignore_errors=True)
        raise


def require_importer(actor: Actor) -> None:
    """PermissionDenied unless `actor` may import articles."""
    rules.require(
        rules.can_archive_articles(actor), gettext("Only journalists and editors archive articles.")
    )


def url_inputs(urls: object) -> list[dict]:
    """The job inputs for a list of http(s) URLs; ValidationError naming a bad one."""
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        raise ValidationError({"urls": gettext("A list of http(s) addresses.")})
    urls = [url.strip() for url in urls if url.strip()]
    if not urls:
        raise ValidationError({"urls": gettext("Give at least one http(s) address.")})
    if len(urls) > settings.CLAIMDESK_IMPORT_MAX_URLS:
        raise ValidationError(
            {
                "urls": gettext(
                    "%(count)s addresses: one import takes at most %(most)s "
                    "(CLAIMDESK_IMPORT_MAX_URLS)."
                )
                % {"count": len(urls), "most": settings.CLAIMDESK_IMPORT_MAX_URLS}
            }
        )
    for url in urls:
        if not is_url(url) or len(url) > 2000:
            raise ValidationError(
                {"urls": gettext("“%(url)s” is not an http(s) address.") % {"url": url[:200]}}
            )
    return [{"url": url, "name": url} for url in urls]


def path_inputs(values: list) -> list[dict]:
    """Job inputs for what `archive.ingest.inputs.expand_inputs` found on this machine: files
    (read where they are, so a worker must see the same files), URLs and errors."""
    inputs = []
    for value in values:
        if isinstance(value, IngestError):
            inputs.append({"name": value.item, "error": value.reason})
        elif isinstance(value, str):
            inputs.append({"url": value, "name": value})
        else:
            inputs.append({"path": str(value.resolve()), "name": str(value), "upload": False})
    return inputs


def create_import(
    *, actor: Actor, inputs: list[dict], source: Source | None = None, language: str = ""
) -> ImportJob:
    """Queue a job that archives `inputs` (see ImportJob.inputs) as `actor`, who must be
    allowed to archive articles; its worker is told once the job is committed."""
    require_importer(actor)
    if language and language not in settings.CLAIMDESK_LANGUAGES:
        raise ValidationError(
            {
                "language": gettext(
                    "“%(language)s” is not one of the archive's languages (%(languages)s)."
                )
                % {"language": language, "languages": ", ".join(settings.CLAIMDESK_LANGUAGES)}
            }
        )
    if not inputs:
        raise ValidationError(
            gettext("Nothing to import: give a file or at least one web address.")
        )
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=None if is_system(actor) else actor,
            created_by_name=actor.username,
            inputs=inputs,
            source=source,
            language=language,
        )
        transaction.on_commit(partial(enqueue_import, job.pk))
    return job


def enqueue_import(job_id: int) -> None:
    """Hand the job to the task backend, noting the task's id (recovery asks the backend
    about it). A job enqueued twice still runs once: only one run claims a queued job."""
    result = run_import_job.enqueue(job_id)
    ImportJob.objects.filter(pk=job_id).update(task_id=str(result.id), enqueued_at=timezone.now())


# Running an import


def run_import(job_id: int) -> str:
    """Run the queued job `job_id` to its end; its status then. A job that is not queued
    (finished, or held by a live run) is left alone.

    The job runs in a child process under CLAIMDESK_JOB_MAX_MEMORY_MB and
    CLAIMDESK_JOB_MAX_SECONDS (`core.jobs`) while this process keeps its heartbeat: a job
    that reaches a ceiling fails saying which, one whose process dies is queued again (at most
    CLAIMDESK_JOB_MAX_ATTEMPTS runs in all), and the worker goes on with the next. Where a
    child cannot share the database (inside a transaction, an in-memory SQLite database) it
    runs here, unbounded."""
    runner = get_random_string(32)
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING,
        runner=runner,
        heartbeat_at=now,
        started_at=Coalesce(F("started_at"), now),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "not queued"
    if not can_isolate():
        with _beating(job_id, runner):
            return _execute(job_id, runner, bounded=False)
    warm_up()
    ended = run_bounded(
        _execute_in_child,
        job_id,
        runner,
        max_memory_mb=settings.CLAIMDESK_JOB_MAX_MEMORY_MB,
        max_seconds=settings.CLAIMDESK_JOB_MAX_SECONDS,
        while_waiting=_beating(job_id, runner),
    )
    return _after_child(job_id, runner, ended)


@task
def run_import_job(job_id: int) -> str:
    """The background task of an import (whichever backend TASKS configures runs it, see
    `manage.py worker`): `run_import`, its status when it ends. Defined beside the job it runs,
    so that asking for an import and running it need no module that imports the other."""
    return run_import(job_id)


def _execute(job_id: int, runner: str, *, bounded: bool) -> str:
    """Run the claimed job in this process; its status when it ends ("lost" if another run
    took it). In a `bounded` child, running out of memory is left to the child's parent to
    report (as the memory ceiling)."""
    job = ImportJob.objects.select_related("created_by", "source").get(pk=job_id)
    run = _Run(job, runner)
    try:
        run.run()
    except JobLost:
        return "lost"
    except LOST_CONNECTION:
        # The database went away: the job stays "running" until its heartbeat is stale,
        # then a worker queues it again and it resumes after its last stored item.
        raise
    except MemoryError:
        if bounded:
            raise
        logger.exception("Import %s stopped", job_id)
        run.finish(error="The import stopped: it ran out of memory.")
    except Exception as exc:
        logger.exception("Import %s stopped", job_id)
        run.finish(error=f"The import stopped: {type(exc).__name__}: {exc}".strip())
    job.refresh_from_db(fields=["status"])
    return job.status


def _execute_in_child(job_id: int, runner: str) -> str:
    try:
        return _execute(job_id, runner, bounded=True)
    except LOST_CONNECTION as exc:
        logger.warning("Import %s: lost the database (%s)", job_id, exc)
        return "lost"


def memory_error(megabytes: int) -> str:
    return (
        f"Stopped: used more than {megabytes} MB (CLAIMDESK_JOB_MAX_MEMORY_MB). The items listed "
        "were archived or checked before; import the rest in smaller parts."
    )


def time_error(seconds: float) -> str:
    return (
        f"Stopped: ran longer than {seconds:g} seconds (CLAIMDESK_JOB_MAX_SECONDS). The items "
        "listed were archived or checked before; import the rest again, or in smaller parts."
    )


def stopped_error(attempts: int, done: int) -> str:
    return (
        f"The worker running this import stopped {attempts} times; {done} item(s) were "
        "archived or checked before (listed). Import the rest again, or in smaller parts."
    )


def _after_child(job_id: int, runner: str, ended: Ended) -> str:
    """Record how the job's child ended, unless the job is no longer this run's."""
    if ended.how == "returned":
        return str(ended.value)
    if ended.how == "raised":
        # Not the job's fault (the child lost its database, say): like a run that died, it
        # stays "running" until its heartbeat is stale, then is queued again.
        logger.warning("Import %s: its process stopped: %s", job_id, ended.error)
        return "lost"
    job = ImportJob.objects.select_related("created_by", "source").get(pk=job_id)
    if job.runner != runner:
        return "lost"
    if ended.how == "memory":
        error = memory_error(settings.CLAIMDESK_JOB_MAX_MEMORY_MB)
    elif ended.how == "time":
        error = time_error(settings.CLAIMDESK_JOB_MAX_SECONDS)
    elif job.attempts >= settings.CLAIMDESK_JOB_MAX_ATTEMPTS:
        error = f"{stopped_error(job.attempts, job.done)} Last: {ended.error}."
    else:
        logger.warning("Import %s: %s; queued again", job_id, ended.error)
        with transaction.atomic():
            if ImportJob.objects.filter(pk=job_id, runner=runner).update(
                status=ImportJob.Status.QUEUED, runner="", heartbeat_at=None
            ):
                transaction.on_commit(partial(enqueue_import, job_id))
        return ImportJob.Status.QUEUED
    logger.warning("Import %s: %s", job_id, error)
    try:
        _Run(job, runner).finish(error=error)
    except JobLost:
        return "lost"
    return ImportJob.Status.FAILED


@contextlib.contextmanager
def _beating(job_id: int, runner: str) -> Iterator[None]:
    """The job's heartbeat, kept by a thread of this process while the block runs."""
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(job_id, runner, stop), daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def _beat(job_id: int, runner: str, stop: threading.Event) -> None:
    """While the run lives, say so every quarter of CLAIMDESK_JOB_STALE_AFTER — also through
    a long count or a long item — so that only a run that died is taken for dead."""
    interval = max(0.5, settings.CLAIMDESK_JOB_STALE_AFTER / 4)
    try:
        while not stop.wait(interval):
            try:
                ImportJob.objects.filter(pk=job_id, runner=runner).update(
                    heartbeat_at=timezone.now()
                )
            except DatabaseError as exc:
                logger.warning("Import %s: could not record the heartbeat (%s)", job_id, exc)
    finally:
        connection.close()  # this thread's own


class _Run:
    def __init__(self, job: ImportJob, runner: str):
        self.job = job
        self.runner = runner
        self.mine = ImportJob.objects.filter(pk=job.pk, runner=runner)

    def run(self) -> None:
        actor = self.actor()
        if actor is None:
            self.finish(
                error=f"The account “{self.job.created_by_name}” that asked for this import "
                "no longer exists; nothing more was archived."
            )
            return
        if self.job.total is None:
            total = sum(count_items(entry) for entry in self.job.inputs)
            if not self.mine.update(total=total, heartbeat_at=timezone.now()):
                raise JobLost
        done = set(self.job.items.values_list("position", flat=True))
        # The positions of the items read and not yet recorded, oldest first: a batch's
        # outcomes are those of the items read before the others.
        positions: collections.deque[int] = collections.deque()

        def unrecorded() -> Iterator[Item]:
            for position, read in self.items():
                if position not in done:
                    positions.append(position)
                    yield read()

        def record(outcomes: list[tuple[Item, ArchiveResult | IngestError]]) -> None:
            self.record([(positions.popleft(), *outcome) for outcome in outcomes])

        stored = archive_documents(
            unrecorded(),
            actor=actor,
            source=self.job.source,
            language=self.job.language,
            record=record,
        )
        try:
            collections.deque(stored, maxlen=0)  # the outcomes are recorded as they come
        except BatchLost as exc:
            raise exc.error from None  # the batch was rolled back; resumed when run again
        self.finish()

    def actor(self) -> Actor | None:
        if self.job.created_by is not None:
            return self.job.created_by
        return SYSTEM_ACTORS.get(self.job.created_by_name)

    def items(self) -> Iterator[tuple[int, Callable[[], Item]]]:
        """Each item's position and how to read it. An input that holds one item (a URL, a
        text or HTML file) is read only if its position is not done."""
        position = 0
        for entry in self.job.inputs:
            if "error" in entry:
                yield position, partial(IngestError, entry["name"], entry["error"])
                position += 1
                continue
            if "url" in entry:
                yield position, partial(_first, read_input(entry["url"]))
                position += 1
                continue
            path = input_path(entry)
            if kind_of(path) in ("text", "html"):
                yield position, partial(self.renamed, entry, path, None)
                position += 1
                continue
            for item in read_input(path):
                yield position, partial(self.renamed, entry, path, item)
                position += 1

    def renamed(self, entry: dict, path: Path, item: Item | None) -> Item:
        """The item named as the user knows its file (not where it waited on the server),
        and an uploaded file's document recorded as an upload by its owner."""
        if item is None:
            item = _first(read_input(path))
        item.item = item.item.replace(str(path), entry["name"])
        if isinstance(item, IngestError):
            item.args = (f"{item.item}: {item.reason}",)
            return item
        if entry.get("upload"):
            where = f"upload by {self.job.created_by_name}: {entry['name']}"
            if item.origin == Capture.Origin.WARC:
                item.origin_location = f"{where} {item.url}".strip()
            else:
                # Supplied text, as from the add-article form: replacing an archived
                # article's text this way is an editor's act.
                item.origin = Capture.Origin.UPLOAD
                item.origin_location = where
        else:
            item.origin_location = item.origin_location.replace(str(path), entry["name"])
        return item

    def record(self, outcomes: list[tuple[int, Item, ArchiveResult | IngestError]]) -> None:
        """Record a batch's outcomes (position, item, result or error) and the job's progress
        in the batch's transaction; JobLost (the batch rolled back) if another run holds the
        job now."""
        failed = sum(isinstance(result, IngestError) for _, _, result in outcomes)
        # Only while the job is still this run's: a recovery that queued it again (this run
        # was taken for dead) rolls the batch back.
        if not self.mine.update(
            done=F("done") + len(outcomes),
            failed=F("failed") + failed,
            heartbeat_at=timezone.now(),
        ):
            raise JobLost
        rows = []
        for position, item, result in outcomes:
            if isinstance(result, IngestError):
                row = ImportItem(
                    position=position,
                    name=result.item[:2000],
                    outcome=ImportItem.Outcome.FAILED,
                    error=result.reason,
                )
            else:
                row = ImportItem(
                    position=position,
                    name=item.item[:2000],
                    outcome=str(result.outcome),
                    article=result.article,
                    capture=result.capture,
                )
            row.job = self.job
            rows.append(row)
        try:
            ImportItem.objects.bulk_create(rows)
        except IntegrityError:
            # Another run recorded these positions meanwhile: nothing of the batch is kept.
            raise JobLost from None

    def finish(self, *, error: str = "") -> None:
        """Mark the job finished: failed if it stopped or any item failed."""
        job = ImportJob.objects.get(pk=self.job.pk)
        if job.runner != self.runner:
            raise JobLost
        if not error and job.failed:
            error = failed_items_error(job.failed, job.done)
        self.mine.update(
            status=ImportJob.Status.FAILED if error else ImportJob.Status.SUCCEEDED,
            total=job.done if not error else job.total,
            error=error,
            runner="",
            heartbeat_at=timezone.now(),
            finished_at=timezone.now(),
        )
        self.job.refresh_from_db()
        remove_uploads(self.job)


def _first(items: Iterator[Item]) -> Item:
    return next(iter(items))


def input_path(entry: dict) -> Path:
    if entry.get("upload"):
        return Path(settings.CLAIMDESK_IMPORT_DIR) / entry["path"]
    return Path(entry["path"])


def remove_uploads(job: ImportJob) -> None:
    """Delete the job's uploaded files (what they held is archived, raw payloads included)."""
    remove_upload_inputs(job.inputs)


def remove_upload_inputs(inputs: list[dict]) -> None:
    """Delete the uploaded files these job inputs name, with their folders."""
    root = Path(settings.CLAIMDESK_IMPORT_DIR)
    folders = set()
    for entry in inputs:
        if entry.get("upload"):
            path = input_path(entry)
            path.unlink(missing_ok=True)
            folders.update(path.parents[: len(Path(entry["path"]).parts) - 1])
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):  # deepest first
        if folder != root:
            with contextlib.suppress(OSError):
                folder.rmdir()


def remove_orphaned_uploads(*, now: float | None = None) -> list[str]:
    """Delete the upload folders under CLAIMDESK_IMPORT_DIR that no queued or running import
    names and that have not changed for CLAIMDESK_IMPORT_ORPHAN_AFTER seconds — left by a
    request that failed once they were saved, a job that stopped without reading them, a
    killed worker; the names of the folders deleted. Run by the workers (see
    `manage.py worker`) and by `manage.py clean_import_uploads`."""
    root = Path(settings.CLAIMDESK_IMPORT_DIR)
    cutoff = (time.time() if now is None else now) - settings.CLAIMDESK_IMPORT_ORPHAN_AFTER
    try:
        old = [
            folder
            for folder in root.iterdir()
            if UPLOAD_FOLDER.fullmatch(folder.name) and _changed_at(folder) < cutoff
        ]
    except FileNotFoundError:
        return []
    if not old:
        return []
    live = ImportJob.objects.filter(
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).values_list("inputs", flat=True)
    needed = {
        entry["path"].split("/", 1)[0]
        for inputs in live.iterator()
        for entry in inputs
        if entry.get("upload")
    }
    removed = []
    for folder in old:
        if folder.name not in needed:
            shutil.rmtree(folder, ignore_errors=True)
            logger.info("Removed the orphaned upload folder %s", folder)
            removed.append(folder.name)
    return removed


def _changed_at(folder: Path) -> float:
    """When the folder or a file in it last changed; now if it cannot be told (it is being
    removed, or is not a folder)."""
    try:
        return max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])
    except OSError:
        return time.time()


def count_items(entry: dict) -> int:
    """How many items (documents or errors) reading `entry` yields, without parsing them."""
    if "url" in entry or "error" in entry:
        return 1
    path = input_path(entry)
    kind = kind_of(path)
    try:
        if kind == "jsonl":
            return count_jsonl(path)
        if kind == "warc":
            return count_warc(path)
    except OSError:
        return 1
    return 1


# Jobs whose worker died


def recover_stale_imports(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the jobs whose worker died, or fail those tried CLAIMDESK_JOB_MAX_ATTEMPTS
    times; the ids of the jobs queued again. A worker died when a running job's heartbeat is
    older than CLAIMDESK_JOB_STALE_AFTER, or when a queued job's task was taken by a worker
    that never claimed the job (a live one claims it at once) or is gone from the backend."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.CLAIMDESK_JOB_STALE_AFTER)
    stale = ImportJob.objects.filter(status=ImportJob.Status.RUNNING, heartbeat_at__lt=cutoff)
    requeued = []
    for job in stale.only("pk", "attempts", "done"):
        with transaction.atomic():
            this = stale.filter(pk=job.pk)
            if job.attempts >= settings.CLAIMDESK_JOB_MAX_ATTEMPTS:
                this.update(
                    status=ImportJob.Status.FAILED,
                    runner="",
                    finished_at=now,
                    error=stopped_error(job.attempts, job.done),
                )
                continue
            if this.update(status=ImportJob.Status.QUEUED, runner="", heartbeat_at=None):
                logger.warning("Import %s: its worker stopped; queued again", job.pk)
                transaction.on_commit(partial(enqueue_import, job.pk))
                requeued.append(job.pk)
    return requeued + _recover_lost_tasks(now=now, cutoff=cutoff)


def _recover_lost_tasks(*, now: dt.datetime, cutoff: dt.datetime) -> list[int]:
    """Queue again the queued jobs whose task will not run them: taken by a worker that died
    before claiming the job (its task has been running since before `cutoff`), ended without
    running it, gone from the backend, or never handed to it. A task taken counts as a run."""
    waiting = ImportJob.objects.filter(status=ImportJob.Status.QUEUED).filter(
        Q(enqueued_at__lt=cutoff) | Q(enqueued_at__isnull=True, created_at__lt=cutoff)
    )
    requeued = []
    for job in waiting.only("pk", "attempts", "done", "task_id"):
        taken = _task_taken(job.task_id, cutoff)
        if taken is None:
            continue  # waiting in line, or running since just now
        attempts = job.attempts + int(taken)
        with transaction.atomic():
            this = waiting.filter(pk=job.pk, task_id=job.task_id)
            if attempts >= settings.CLAIMDESK_JOB_MAX_ATTEMPTS:
                acted = this.update(
                    status=ImportJob.Status.FAILED,
                    attempts=attempts,
                    finished_at=now,
                    error=stopped_error(attempts, job.done),
                )
            elif acted := this.update(attempts=attempts, task_id="", enqueued_at=now):
                logger.warning(
                    "Import %s: its task (%s) will not run it; queued again",
                    job.pk,
                    job.task_id or "none",
                )
                transaction.on_commit(partial(enqueue_import, job.pk))
                requeued.append(job.pk)
        if acted:  # else the job moved on meanwhile (a worker claimed it): its task lives
            expire_task(job.task_id, now=now)
    return requeued


def _task_taken(task_id: str, cutoff: dt.datetime) -> bool | None:
    """None if the task may still run its job (waiting, or taken since `cutoff`); else
    whether a worker had taken it (True) or it never started or is unknown (False)."""
    if not task_id:
        return False
    try:
        result = run_import_job.get_result(task_id)
    except TaskResultDoesNotExist:
        return False
    except NotImplementedError:
        return None  # a backend that cannot say (the immediate one runs jobs at once)
    if result.status == TaskResultStatus.READY:
        return None
    if result.status == TaskResultStatus.RUNNING:
        started = result.started_at
        return None if started is None or started >= cutoff else True
    return True


def run_import_again(*, actor: Actor, job: ImportJob) -> None:
    """Queue `job` again, as an admin asks (admin: "Run again"): a failed job retries its
    failed items and those it did not reach, storing nothing twice; a queued one is handed to
    the task backend again (it still runs once). ValidationError saying why for a job that is
    running or succeeded, or whose uploaded files are gone."""
    rules.require(is_admin(actor), gettext("Only administrators run imports again."))
    if job.status == ImportJob.Status.RUNNING:
        raise ValidationError(
            gettext(
                "Import %(number)s is running; a run whose worker died is taken back by itself."
            )
            % {"number": job.pk}
        )
    if job.status == ImportJob.Status.SUCCEEDED:
        raise ValidationError(
            gettext("Import %(number)s succeeded: nothing to run again.") % {"number": job.pk}
        )
    missing = [
        entry["name"]
        for entry in job.inputs
        if entry.get("upload") and not input_path(entry).exists()
    ]
    if job.status == ImportJob.Status.FAILED and missing:
        raise ValidationError(
            gettext(
                "Import %(number)s: its uploaded files were deleted when it ended (%(names)s); "
                "upload them again."
            )
            % {"number": job.pk, "names": ", ".join(missing[:3])}
        )
    with transaction.atomic():
        if job.status == ImportJob.Status.FAILED:
            retried = job.items.filter(outcome=ImportItem.Outcome.FAILED).delete()[0]
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
                status=ImportJob.Status.QUEUED,
                done=F("done") - retried,
                failed=0,
                error="",
                attempts=0,
                runner="",
                heartbeat_at=None,
                finished_at=None,
            )
        logger.info("Import %s queued again by %s", job.pk, actor.username)
        transaction.on_commit(partial(enqueue_import, job.pk))


def failed_items_error(failed: int, done: int) -> str:
    """The reason stored on a job some of whose items failed (the API and the logs give it as
    stored; the job's page words it in the reader's language)."""
    return f"{failed} of {done} item(s) failed; each says why."


def describe_inputs(job: ImportJob) -> str:
    """The job's inputs in a line: "crawl.warc.gz, 3 web addresses"."""
    urls = sum(1 for entry in job.inputs if "url" in entry)
    files = [entry["name"] for entry in job.inputs if "url" not in entry]
    more = len(files) - 3
    parts = files[:3]
    if more > 0:
        parts.append(
            ngettext("%(count)d more file", "%(count)d more files", more) % {"count": more}
        )
    if urls:
        first = next(entry["url"] for entry in job.inputs if "url" in entry)
        many = ngettext("%(count)d web address", "%(count)d web addresses", urls) % {"count": urls}
        parts.append(first if urls == 1 else many)
    return ", ".join(parts)
