"""Asking the worker for mail: a notification's own mail once its write commits, and the
daily digest, queued once per digest time (a `ScheduledDigest` row each) to run at that time,
when someone who wants a digest has something for it."""

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from . import mail, tasks
from .models import Delivery, Notification, Preference, ScheduledDigest

logger = logging.getLogger("notifications")


def mail_after_commit(notifications: Iterable[Notification]) -> None:
    """Once the current transaction commits: queue the mail of the notifications whose
    recipients want them immediately, and the next digest for those who want a digest. (The
    worker checks the preferences again when it sends.)"""
    notifications = list(notifications)
    chosen = dict(
        Preference.objects.filter(
            person_id__in={n.recipient_id for n in notifications}
        ).values_list("person_id", "email")
    )
    immediately = [
        n.pk
        for n in notifications
        if chosen.get(n.recipient_id, Delivery.IMMEDIATELY) == Delivery.IMMEDIATELY
    ]
    if immediately:
        transaction.on_commit(lambda: tasks.mail_notifications.enqueue(immediately), robust=True)
    if Delivery.DAILY in chosen.values():
        transaction.on_commit(schedule_digest, robust=True)


def schedule_digest() -> None:
    """Queue the digest task for the next digest time, unless it is queued already. A backend
    that cannot run a task later (the immediate one: no worker) gets none: send the digests
    with `manage.py send_digests` then."""
    if not task_backends[DEFAULT_TASK_BACKEND_ALIAS].supports_defer:
        logger.info("The task backend cannot run tasks later: no digest is scheduled")
        return
    due_at = mail.digest_time()
    try:
        with transaction.atomic():
            ScheduledDigest.objects.create(due_at=due_at)
            # In the same transaction as the row with the database backend: both or neither.
            tasks.send_digests.using(run_after=due_at).enqueue(due_at.isoformat())
    except IntegrityError:
        pass  # queued already, by this process or another
