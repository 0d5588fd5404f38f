"""Mail as it runs: the worker sends through Django's SMTP backend to a real SMTP server (an
aiosmtpd sink on a free port). A silent rewording of a fact-checked sentence reaches the
editor who published the check — in her inbox and in her mailbox."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import transaction

from annotations import services
from notifications.models import Notification
from tests.factories import CaptureFactory, mark_sentence

from .test_inbox import source_edited

pytestmark = pytest.mark.slow


class Sink:
    """Keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "Claimdesk <desk@example.org>"
    yield sink
    controller.stop()


def received(sink, address: str) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        for envelope in sink.messages
        if address in envelope.rcpt_tos
    ]


# Committed, so that the mail jobs wait in the database for the worker.
@pytest.mark.django_db(transaction=True)
def test_a_reworded_source_reaches_the_editor_s_inbox_and_mailbox_through_the_worker(
    smtp_sink, settings, as_user, alice_journalist, erin_editor
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    claim = mark_sentence(alice_journalist, CaptureFactory())
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence=0.9, verdict="false", submit=True
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    with transaction.atomic():
        source_edited(claim)
    assert smtp_sink.messages == []  # queued, not sent: the worker sends

    call_command("worker", "--batch", verbosity=0)

    (mailed,) = [
        m
        for m in received(smtp_sink, "erin_editor@example.org")
        if "was changed" in m.get_content()
    ]
    assert mailed["From"] == "Claimdesk <desk@example.org>"
    assert mailed["Subject"].startswith("Claimdesk: The sentence holding the claim “Aucune")
    body = mailed.get_content()
    assert f"The sentence holding the claim “{claim.text}” was changed in “" in body
    assert f"The claim: http://127.0.0.1:8000/claims/{claim.pk}/" in body
    # Alice hears of it too, and of her publication; each mail went once.
    subjects = sorted(m["Subject"] for m in received(smtp_sink, "alice_journalist@example.org"))
    assert len(subjects) == 2 and "published your annotation" in subjects[0] + subjects[1]
    assert not Notification.objects.filter(mailed_at=None).exists()
    call_command("worker", "--batch", verbosity=0)
    assert len(smtp_sink.messages) == Notification.objects.count()

    inbox = as_user(erin_editor).get("/api/notifications/").json()["results"]
    assert [n["kind"] for n in inbox] == ["source-edited", "submitted"]
