"""The annotations app; connects re-anchoring to archive's capture_added signal."""

from django.apps import AppConfig


def reanchor_on_capture_added(sender, capture, previous, **kwargs):
    """A new capture of an article: its claims follow the text (see archive.signals) — in
    the capture's transaction, or for an article with more appearances than
    CLAIMDESK_REANCHOR_INLINE_MAX, in a background job queued once the capture is committed,
    the appearances marked "re-anchoring…" meanwhile."""
    from .services import reanchor_appearances, reanchor_in_background

    if previous is None:
        # The article's first capture: no earlier one holds claims to move.
        return

    if not reanchor_in_background(capture=capture):
        reanchor_appearances(capture=capture)


def analyse_on_capture_added(sender, capture, **kwargs):
    """A new capture: detect its foreign insertions and store them with it."""
    from .intelligence.analysis import analyse_capture

    analyse_capture(capture, new=True)


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"

    def ready(self):
        from archive.signals import capture_added

        capture_added.connect(reanchor_on_capture_added, dispatch_uid="annotations.reanchor")
        capture_added.connect(analyse_on_capture_added, dispatch_uid="annotations.analyse")
