"""The intelligence app: every new capture is analysed for foreign-word insertions (see
archive.signals): when it is stored, or — captures an import stores together — by a worker once
their batch is committed, the workers' sweep (`core.schedule`) catching any left pending."""

from django.apps import AppConfig


def analyse_on_capture_added(sender, capture, batched=False, **kwargs):
    """A new capture: detect its foreign insertions and store them with it (for captures
    stored together, once for all of them, on `captures_added`)."""
    if not batched:
        from .analysis import analyse_capture

        analyse_capture(capture, new=True)


def analyse_on_captures_added(sender, captures, **kwargs):
    """New captures stored together: their analyses marked pending in one insert, computed by
    a worker once committed."""
    from .pending import defer_new_captures

    defer_new_captures(captures)


def analyse_stale():
    from .pending import analyse_stale

    return analyse_stale()


class IntelligenceConfig(AppConfig):
    name = "intelligence"

    def ready(self):
        from archive.signals import capture_added, captures_added
        from core import schedule

        capture_added.connect(analyse_on_capture_added, dispatch_uid="intelligence.analyse")
        captures_added.connect(analyse_on_captures_added, dispatch_uid="intelligence.analyse_all")
        schedule.every_tick("intelligence.pending_analyses", analyse_stale)
