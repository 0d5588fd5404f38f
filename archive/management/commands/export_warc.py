"""Export captures as WARC files that any WARC tool (e.g. `warcio check`) can verify."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.models import Capture
from archive.warc import capture_warc


class Command(BaseCommand):
    help = "Write each capture as a WARC file: its text, raw payload and metadata."

    def add_arguments(self, parser):
        parser.add_argument("captures", nargs="+", type=int, metavar="CAPTURE_ID")
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=Path(),
            help="folder to write claimdesk-capture-<id>.warc[.gz] into (default: here)",
        )
        parser.add_argument("--gzip", action="store_true", help="write .warc.gz (per record)")

    def handle(self, *args, captures, output_dir, gzip, **options):
        found = Capture.objects.select_related("article__source").in_bulk(captures)
        missing = [str(pk) for pk in captures if pk not in found]
        if missing:
            raise CommandError(f"No capture with id {', '.join(missing)}; nothing written.")
        if not output_dir.is_dir():
            raise CommandError(f"--output-dir: {output_dir} is not a folder.")
        for pk in captures:
            path = output_dir / f"claimdesk-capture-{pk}.warc{'.gz' if gzip else ''}"
            path.write_bytes(capture_warc(found[pk], gzip=gzip))
            self.stdout.write(f"capture {pk} → {path}")
