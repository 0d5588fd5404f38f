"""The annotations app; connects re-anchoring and capture analysis to the archive's
signals (capture_added, captures_added)."""

from django.apps import AppConfig


def reanchor_on_capture_added(sender, capture, previous, **kwargs):
    """A new capture of an article: its claims follow the text (see archive.signals)."""
    from .services import reanchor_appearances

    if previous is None:
        # The article's first capture: no earlier one holds claims to move.
        return

    reanchor_appearances(capture=capture)


def analyse_on_capture_added(sender, capture, batched=False, **kwargs):
    """A new capture: detect its foreign insertions and store them with it (for captures
    stored together, once for all of them, on `captures_added`)."""
    from .intelligence.analysis import analyse_capture

    if not batched:
        analyse_capture(capture, new=True)


def analyse_on_captures_added(sender, captures, **kwargs):
    """New captures stored together: their analyses, stored in one insert."""
    from .intelligence.analysis import analyse_new_captures

    analyse_new_captures(captures)


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"

    def ready(self):
        from archive.signals import capture_added, captures_added

        capture_added.connect(reanchor_on_capture_added, dispatch_uid="annotations.reanchor")
        capture_added.connect(analyse_on_capture_added, dispatch_uid="annotations.analyse")
        captures_added.connect(analyse_on_captures_added, dispatch_uid="annotations.analyse_all")
