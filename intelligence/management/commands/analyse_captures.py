"""Compute (or recompute) the stored analysis of captures: for those archived before it
existed, or after the detector changed."""

from django.core.management.base import BaseCommand

from annotations.models import CaptureAnalysis
from archive.models import Capture
from intelligence.analysis import METHOD, analyse_capture


class Command(BaseCommand):
    help = "Detect foreign-language insertions in captures and store them with each capture."

    def add_arguments(self, parser):
        everything = "Recompute every capture, not only those without a current analysis."
        parser.add_argument("--all", action="store_true", help=everything)

    def handle(self, *args, all: bool, **options):
        captures = Capture.objects.select_related("article__source").order_by("pk")
        if not all:
            current = CaptureAnalysis.objects.filter(method=METHOD).values("capture_id")
            captures = captures.exclude(pk__in=current)
        count = spans = 0
        for capture in captures.iterator(chunk_size=200):
            spans += len(analyse_capture(capture).foreign_spans)
            count += 1
        self.stdout.write(
            self.style.SUCCESS(f"Analysed {count} capture(s): {spans} foreign insertion(s).")
        )
