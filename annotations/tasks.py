"""The annotations' background tasks, written against django.tasks alone."""

from django.tasks import task

from archive.models import Capture

from .services import reanchoring


@task
def reanchor_capture(capture_id: int) -> int:
    """Re-anchor the appearances of a capture's article onto it (reanchoring.finish_reanchoring);
    how many anchorings were recorded."""
    capture = Capture.objects.select_related("article").get(pk=capture_id)
    return len(reanchoring.finish_reanchoring(capture=capture))
