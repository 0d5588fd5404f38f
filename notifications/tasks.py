"""The notifications' background tasks, written against django.tasks alone: they call the
mail module and no service, so a service may enqueue them."""

import datetime as dt

from django.tasks import task

from . import mail


@task
def mail_notifications(notification_ids: list[int]) -> int:
    """Mail these notifications to those who want them immediately; how many were sent."""
    return mail.mail_notifications(notification_ids)


@task
def send_digests(due_at: str) -> int:
    """Send the daily digests of `due_at` (ISO 8601); how many were sent."""
    return mail.send_digests(dt.datetime.fromisoformat(due_at))
