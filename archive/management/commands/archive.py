"""Archive articles from files, folders, globs, WARC archives, JSON Lines and URLs."""

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError
from tqdm import tqdm

from accounts.actors import IMPORT
from archive.imports import create_import, path_inputs
from archive.ingest.documents import IngestError
from archive.ingest.inputs import expand_inputs, kind_of, read_input
from archive.ingest.readers import SUPPORTED_SUFFIXES
from archive.models import ImportItem, ImportJob, Source
from archive.services import BATCH_ITEMS, BatchLost, Outcome, archive_documents

# Up to this many inputs, a progress bar is more noise than help.
PROGRESS_THRESHOLD = 5


class Command(BaseCommand):
    help = (
        "Archive articles: .txt (title line, then text), .html, .warc/.warc.gz, .jsonl files, "
        "folders, globs and http(s) URLs. Each item is stored atomically, in batches of "
        f"{BATCH_ITEMS}; exits non-zero if any item failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "inputs",
            nargs="+",
            metavar="PATH_OR_URL",
            help=f"files ({', '.join(SUPPORTED_SUFFIXES)}), folders, globs or http(s) URLs",
        )
        parser.add_argument("--source", help="slug of the source (outlet) for every item")
        parser.add_argument(
            "--language", help="language of every item (default: as declared, else detected)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="read and check everything, store nothing"
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue an import job for a worker (manage.py worker) and print its id; "
            "the files must be readable where the worker runs",
        )
        parser.add_argument(
            "--site",
            default="",
            help="with --background, the address of the site, to print the job's page "
            "(e.g. http://127.0.0.1:8000)",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        try:
            self.archive(**options)
        except (OperationalError, InterfaceError) as exc:
            # Outside a batch (looking up --source): nothing was stored.
            raise CommandError(
                f"The database is unreachable ({str(exc).strip() or type(exc).__name__}); "
                "nothing was stored. Run the command again once it is back."
            ) from None

    def archive(self, *, inputs, source, language, dry_run, background, site, verbosity, **options):
        source_obj = None
        if source:
            source_obj = Source.objects.filter(slug=source).first()
            if source_obj is None:
                known = ", ".join(Source.objects.values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"--source: no source “{source}” (known: {known}).")
        if language and language not in settings.CLAIMDESK_LANGUAGES:
            raise CommandError(
                f"--language: “{language}” is not one of the archive's languages "
                f"({', '.join(settings.CLAIMDESK_LANGUAGES)})."
            )

        items = expand_inputs(inputs)
        if background:
            if dry_run:
                raise CommandError("--dry-run and --background do not go together.")
            self._queue(items, source=source_obj, language=language or "", site=site)
            return
        counts: Counter[str] = Counter()
        failures: list[IngestError] = []
        # Folders of files have a known total; WARC and JSON Lines files hold an unknown number.
        containers = any(kind_of(v) in ("warc", "jsonl") for v in items if isinstance(v, Path))
        bar = tqdm(
            total=None if containers else len(items),
            unit="item",
            # The raw stream: OutputWrapper would end each of tqdm's redraws with a newline.
            file=self.stderr._out,
            disable=len(items) <= PROGRESS_THRESHOLD and not containers,
            dynamic_ncols=True,
        )
        documents = (document for value in items for document in read_input(value))
        lost = None
        with bar:
            try:
                for document, result in archive_documents(
                    documents,
                    actor=IMPORT,
                    source=source_obj,
                    language=language or "",
                    dry_run=dry_run,
                ):
                    bar.update(1)
                    if isinstance(result, IngestError):
                        failures.append(result)
                        continue
                    counts[result.outcome] += 1
                    if verbosity >= 1:
                        bar.clear()
                        self.stdout.write(_reported(document, result))
            except BatchLost as exc:
                lost = exc
        for failure in failures:
            self.stderr.write(f"failed: {failure.item}: {failure.reason}")
        if lost is not None:
            self._connection_lost(lost, counts, failures, dry_run=dry_run)

        prefix = "Dry run, nothing stored: " if dry_run else ""
        summary = (
            f"{prefix}{counts[Outcome.CREATED]} created, "
            f"{counts[Outcome.NEW_CAPTURE]} new capture(s) of known articles, "
            f"{counts[Outcome.UNCHANGED]} unchanged, {len(failures)} failed."
        )
        if failures:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(f"{len(failures)} item(s) failed; see the reasons above.")
        self.stdout.write(self.style.SUCCESS(summary))

    def _queue(self, items: list, *, source, language: str, site: str) -> None:
        """Queue the inputs as one import job; print its id, its pages and, when the backend
        ran it at once (no worker), its outcome."""
        job = create_import(
            actor=IMPORT, inputs=path_inputs(items), source=source, language=language
        )
        job.refresh_from_db()
        base = site.rstrip("/")
        self.stdout.write(
            f"Import {job.pk} {job.status}: {base}/imports/{job.pk}/ "
            f"(API: {base}/api/imports/{job.pk}/)"
        )
        if not job.finished:
            self.stdout.write("A worker (python manage.py worker) runs it; follow it there.")
            return
        for item in job.items.select_related("article"):
            if item.outcome == ImportItem.Outcome.FAILED:
                self.stderr.write(f"failed: {item.name}: {item.error}")
            elif self.verbosity >= 1:
                self.stdout.write(f"{item.outcome}: {item.name} → article {item.article_id}")
        counts = Counter(job.items.values_list("outcome", flat=True))
        summary = (
            f"{counts[Outcome.CREATED]} created, "
            f"{counts[Outcome.NEW_CAPTURE]} new capture(s) of known articles, "
            f"{counts[Outcome.UNCHANGED]} unchanged, {job.failed} failed."
        )
        if job.status == ImportJob.Status.FAILED:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(job.error)
        self.stdout.write(self.style.SUCCESS(summary))

    def _connection_lost(
        self, lost: BatchLost, counts: Counter, failures: list[IngestError], *, dry_run: bool
    ) -> None:
        """Say what the committed batches stored, which items were not, and how to resume."""
        for item in lost.items:
            if isinstance(item, IngestError):
                self.stderr.write(f"failed: {item.item}: {item.reason}")
            else:
                self.stderr.write(f"not stored: {item.item}: its batch was rolled back")
        stored = counts[Outcome.CREATED] + counts[Outcome.NEW_CAPTURE]
        done = "checked" if dry_run else "stored"
        raise CommandError(
            f"Lost the database connection ({str(lost.error).strip() or 'no reason given'}). "
            f"{stored} item(s) {done} before it ({counts[Outcome.CREATED]} created, "
            f"{counts[Outcome.NEW_CAPTURE]} new capture(s); {counts[Outcome.UNCHANGED]} "
            f"unchanged); {len(failures)} failed; the {len(lost.items)} item(s) of the batch "
            "in progress were not stored (listed above) and later inputs were not read. "
            "Run the same command again to resume: what is stored is recognised as unchanged."
        )


def _reported(document, result) -> str:
    """The line that reports one stored (or unchanged) item."""
    if result.outcome == Outcome.UNCHANGED:
        return (
            f"unchanged: {document.item}: identical to capture "
            f"{result.capture.pk} of article {result.article.pk} "
            f"(“{result.article.title}”)"
        )
    return (
        f"{result.outcome}: {document.item} → article {result.article.pk} "
        f"(“{result.article.title}”)"
    )
