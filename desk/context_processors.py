"""What every page's navigation shows about the annotation workflow: how many annotations wait
for the editor viewing it."""

from django.http import HttpRequest

from accounts import roles
from annotations.models import Annotation


def review_waiting(request: HttpRequest) -> dict:
    """`review_waiting`: for an editor, the number of annotations in their review queue (one
    COUNT query, run only when a template reads it); None for everyone else."""
    user = getattr(request, "user", None)

    def count() -> int | None:
        if user is None or not roles.is_editor(user):
            return None
        return Annotation.objects.awaiting_review(user).count()

    return {"review_waiting": count}
