"""What every page's navigation shows: how many annotations wait for the editor viewing it, and
how many notifications the signed-in person has not read."""

import functools

from django.http import HttpRequest

from accounts import roles
from annotations.models import Annotation
from notifications.models import Notification


def review_waiting(request: HttpRequest) -> dict:
    """`review_waiting`: for an editor, the number of annotations in their review queue (one
    COUNT query, run only when a template reads it); None for everyone else."""
    user = getattr(request, "user", None)

    def count() -> int | None:
        if user is None or not roles.is_editor(user):
            return None
        return Annotation.objects.awaiting_review(user).count()

    return {"review_waiting": count}


def notifications_unread(request: HttpRequest) -> dict:
    """`notifications_unread`: for a signed-in person, how many of their notifications are
    unread (one COUNT query, run only when a template reads it); None for anonymous visitors."""
    user = getattr(request, "user", None)

    @functools.cache  # the navigation and the inbox both read it: counted once a page
    def count() -> int | None:
        if user is None or not user.is_authenticated:
            return None
        return Notification.objects.of(user).unread().count()

    return {"notifications_unread": count}
