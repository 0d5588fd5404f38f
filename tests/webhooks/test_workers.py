"""Webhooks as they run (issue 23, item 7): two real `manage.py worker` processes on
PostgreSQL send the deliveries the journal's writes made to a receiver on loopback that
fails the first one; every delivery arrives signed and is accepted exactly once, the failed
one after a retry with backoff."""

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import APIToken
from annotations import services
from tests.factories import CaptureFactory, TagFactory, mark_sentence
from webhooks import services as webhooks
from webhooks.models import Delivery

# serialized_rollback: the role groups come from a data migration that a flush would erase.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


def database_url() -> str:
    """The test database, for the workers."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(name: str, log: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CLAIMDESK_TASK_BACKEND": "database",
        # The receiver listens on loopback; a retry is due a second after a failure.
        "CLAIMDESK_FETCH_ALLOW_PRIVATE": "1",
        "CLAIMDESK_WEBHOOK_RETRY_BASE": "1",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2", "--worker-id", name],
        cwd=ROOT,
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        # Its own SIGINT handler, whatever the shell that started the suite ignores.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


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
    settings, receiver, alice_journalist, erin_editor, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("two worker processes share a PostgreSQL database (DATABASE_URL)")
    settings.TASKS = DATABASE_BACKEND
    receiver.statuses = [500]  # the first delivery fails once
    token, _ = APIToken.issue(user=erin_editor, name="partner", read_only=True)
    hook = webhooks.create_webhook(
        user=erin_editor, token=token, url=receiver.url, events=["claim.published"]
    )
    claims = publish(alice_journalist, erin_editor, 6)
    assert Delivery.objects.filter(webhook=hook).count() == 6

    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    workers = [start_worker("one", logs[0]), start_worker("two", logs[1])]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not Delivery.objects.exclude(status="succeeded").exists():
                break
            assert all(worker.poll() is None for worker in workers), [
                log.read_text() for log in logs
            ]
            time.sleep(0.3)
        time.sleep(1)  # anything sent twice would arrive by now
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()

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
