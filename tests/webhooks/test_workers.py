"""Webhooks as they run (issue 23, item 7): two real `manage.py worker` processes on
PostgreSQL send the deliveries the journal's writes made to a receiver on loopback that
fails the first one; every delivery arrives signed and is accepted exactly once, the failed
one after a retry with backoff."""

import hashlib
import hmac
import time
from collections import Counter

import pytest

from accounts.models import APIToken
from annotations import services
from tests.e2e import DATABASE_TASKS, E2E_DB, POSTGRESQL_ONLY, wait_for
from tests.factories import CaptureFactory, TagFactory, mark_sentence
from webhooks import services as webhooks
from webhooks.models import Delivery

pytestmark = [pytest.mark.slow, POSTGRESQL_ONLY, E2E_DB]


def publish(journalist, editor, count: int) -> list[int]:
    """`count` claims, each published (one journal transaction per write, as in use)."""
    tag = TagFactory(slug="disputed", label="Disputed")
    claims = []
    for _ in range(count):
        claim = mark_sentence(journalist, CaptureFactory())
        annotation = services.create_annotation(
            user=journalist, claim=claim, confidence=0.6, tags=[tag], submit=True
        )
        services.publish_annotation(
            user=editor, annotation=annotation, expected_version=annotation.version
        )
        claims.append(claim.pk)
    return claims


def test_two_workers_deliver_each_event_exactly_once_retrying_a_failure(
    settings, receiver, workers, alice_journalist, erin_editor
):
    settings.TASKS = DATABASE_TASKS
    receiver.statuses = [500]  # the first delivery fails once
    token, _ = APIToken.issue(user=erin_editor, name="partner", read_only=True)
    hook = webhooks.create_webhook(
        user=erin_editor, token=token, url=receiver.url, events=["claim.published"]
    )
    claims = publish(alice_journalist, erin_editor, 6)
    assert Delivery.objects.filter(webhook=hook).count() == 6

    # A retry is due a second after a failure.
    running = workers(2, name="hooks", environment={"CLAIMDESK_WEBHOOK_RETRY_BASE": "1"})
    wait_for(
        "every delivery succeeded",
        lambda: not Delivery.objects.exclude(status="succeeded").exists(),
        timeout=90,
        workers=running,
    )
    time.sleep(1)  # anything sent twice would arrive by now
    running.stop()

    deliveries = {str(d.uuid): d for d in Delivery.objects.filter(webhook=hook)}
    assert {d.status for d in deliveries.values()} == {"succeeded"}
    accepted = Counter(
        r.headers["X-Claimdesk-Delivery"] for r in receiver.received if r.status < 300
    )
    assert accepted == Counter(list(deliveries))  # each delivery accepted exactly once
    assert sorted(d.claim_id for d in deliveries.values()) == claims
    for request in receiver.received:
        digest = hmac.new(hook.secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Claimdesk-Signature"] == f"sha256={digest}"
    # The one that failed: two attempts, the second a backoff later.
    (failed,) = [r for r in receiver.received if r.status == 500]
    retried = deliveries[failed.headers["X-Claimdesk-Delivery"]]
    first, second = retried.attempt_log.order_by("number")
    assert (first.status_code, second.status_code, retried.attempts) == (500, 200, 2)
    assert second.started_at >= first.next_attempt_at
    assert (first.next_attempt_at - first.started_at).total_seconds() >= 1
