"""The annotations app: claims, their appearances in captures, annotations, evidence, tags and
assignments (models, rules, services). Connects re-anchoring to the archive's
`capture_added` signal."""

from functools import partial

from django.apps import AppConfig


def reanchor_on_capture_added(sender, capture, previous, **kwargs):
    """A new capture of an article: its claims follow the text (see archive.signals) — in
    the capture's transaction, or for an article with more appearances than
    CLAIMDESK_REANCHOR_INLINE_MAX, in a background job queued once the capture is committed,
    the appearances marked "re-anchoring…" meanwhile."""
    from django.db import transaction

    from .services import reanchoring
    from .tasks import reanchor_capture

    if previous is None:
        # The article's first capture: no earlier one holds claims to move.
        return
    if reanchoring.mark_for_background(capture=capture):
        transaction.on_commit(partial(reanchor_capture.enqueue, capture.pk))
    else:
        reanchoring.reanchor_appearances(capture=capture)


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"

    def ready(self):
        from archive.signals import capture_added

        capture_added.connect(reanchor_on_capture_added, dispatch_uid="annotations.reanchor")
