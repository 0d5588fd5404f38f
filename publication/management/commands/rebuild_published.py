"""Rebuild (or check) the published read model: every claim an anonymous reader may see,
stored as the API shows it to them. Run after migrating an existing database to the read
model, or whenever `--check` reports a difference."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations.models import Claim
from publication import published

# How many differing claim ids a report names.
SHOWN = 20


class Command(BaseCommand):
    help = (
        "Make the published read model equal to the live anonymous representation of every "
        "claim (only what differs is written; running it again changes nothing), or with "
        "--check report the differences and exit non-zero if there are any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare only: report missing, stale and extra documents; change nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=published.BATCH_SIZE,
            help=f"Claims per batch (default {published.BATCH_SIZE}).",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Processes building documents at once, on PostgreSQL (default 1).",
        )

    def handle(self, *args, check: bool, batch_size: int, jobs: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        bar = tqdm(
            total=Claim.objects.count(),
            unit="claim",
            # The raw stream: OutputWrapper would end each of tqdm's redraws with a newline.
            file=self.stderr._out,
            disable=options["verbosity"] < 1,
            dynamic_ncols=True,
        )
        with bar:
            run = published.differences if check else published.rebuild
            found = run(batch_size=batch_size, progress=bar.update, jobs=jobs)
        counts = (
            f"{len(found.missing)} missing, {len(found.stale)} stale, "
            f"{len(found.extra)} no longer visible"
        )
        if not check:
            self.stdout.write(f"Published read model rebuilt: {counts} fixed.")
            return
        if not found:
            self.stdout.write("The published read model matches the live representation.")
            return
        for label, ids in (
            ("missing", found.missing),
            ("stale", found.stale),
            ("no longer visible", found.extra),
        ):
            if ids:
                more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
                shown = ", ".join(str(pk) for pk in ids[:SHOWN])
                self.stdout.write(f"{label}: claims {shown}{more}")
        raise CommandError(
            f"The published read model differs from the live representation: {counts}. "
            "Run `python manage.py rebuild_published` to fix it."
        )
