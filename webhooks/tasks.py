"""The task that sends a webhook delivery, and how it is queued: at once, or — a retry — not
before its time (`run_after`, which the database and Redis backends honour). This module
imports no service, so that the services and the journal's listener can queue it."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task, task_backends
from django.utils import timezone

from core import schedule

from . import delivery as sending
from .models import Delivery


@task
def send_delivery(delivery_id: int) -> None:
    """Try to send the delivery once (if it is due and no other worker has it); queue the
    next try if it failed and has tries left."""
    next_attempt_at = sending.attempt(delivery_id)
    if next_attempt_at is not None:
        enqueue_delivery(delivery_id, run_after=next_attempt_at)


def enqueue_delivery(delivery_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Queue the sending of a delivery, not before `run_after`. A backend that cannot defer
    (the immediate one: tests, no worker) leaves a retry to `enqueue_overdue`."""
    job = send_delivery
    if run_after is not None:
        if not task_backends[DEFAULT_TASK_BACKEND_ALIAS].supports_defer:
            return
        job = job.using(run_after=run_after)
    job.enqueue(delivery_id)


def enqueue_overdue(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the deliveries due for more than CLAIMDESK_JOB_STALE_AFTER seconds and
    not taken by a live worker: their worker died mid-send (its lease ran out), or their task
    was lost (the process died between the commit and the queueing). Each is then left
    alone for another CLAIMDESK_JOB_STALE_AFTER seconds. Their ids."""
    now = now or timezone.now()
    cutoff = schedule.stale_before(now)
    overdue = Delivery.objects.filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        status=Delivery.Status.PENDING,
        next_attempt_at__lt=cutoff,
    )
    ids = list(overdue.values_list("pk", flat=True)[:1000])
    if ids:
        with transaction.atomic():
            Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
            for pk in ids:
                transaction.on_commit(lambda pk=pk: enqueue_delivery(pk))
    return ids
