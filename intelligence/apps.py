"""The intelligence app: every new capture is analysed for foreign-word insertions when it is
stored (see archive.signals)."""

from django.apps import AppConfig


def analyse_on_capture_added(sender, capture, batched=False, **kwargs):
    """A new capture: detect its foreign insertions and store them with it (for captures
    stored together, once for all of them, on `captures_added`)."""
    from .analysis import analyse_capture

    if not batched:
        analyse_capture(capture, new=True)


def analyse_on_captures_added(sender, captures, **kwargs):
    """New captures stored together: their analyses, stored in one insert."""
    from .analysis import analyse_new_captures

    analyse_new_captures(captures)


class IntelligenceConfig(AppConfig):
    name = "intelligence"

    def ready(self):
        from archive.signals import capture_added, captures_added

        capture_added.connect(analyse_on_capture_added, dispatch_uid="intelligence.analyse")
        captures_added.connect(analyse_on_captures_added, dispatch_uid="intelligence.analyse_all")
