"""The annotations' background tasks, written against django.tasks alone."""

from django.tasks import task

from archive.models import Capture

from . import services


@task
def reanchor_capture(capture_id: int) -> int:
    """Re-anchor the appearances of a capture's article onto it (services.finish_reanchoring);
    how many anchorings were recorded."""
    capture = Capture.objects.select_related("article").get(pk=capture_id)
    return len(services.finish_reanchoring(capture=capture))
