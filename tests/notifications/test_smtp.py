"""Mail as it runs: the worker sends through Django's SMTP backend to a real SMTP server (an
aiosmtpd sink on a free port). A silent rewording of a fact-checked sentence reaches the
editor who published the check — in her inbox and in her mailbox."""

import pytest
from django.core.management import call_command
from django.db import transaction

from annotations import services
from notifications.models import Notification
from tests.e2e import DATABASE_TASKS, E2E_DB
from tests.factories import CaptureFactory, mark_sentence

from .test_inbox import source_edited

pytestmark = [pytest.mark.slow, E2E_DB]


# Committed (E2E_DB), so that the mail jobs wait in the database for the worker.
def test_a_reworded_source_reaches_the_editor_s_inbox_and_mailbox_through_the_worker(
    smtp_sink, settings, as_user, alice_journalist, erin_editor
):
    settings.TASKS = DATABASE_TASKS
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
        m for m in smtp_sink.received("erin_editor@example.org") if "was changed" in m.get_content()
    ]
    assert mailed["From"] == "Claimdesk <desk@example.org>"
    assert mailed["Subject"].startswith("Claimdesk: The sentence holding the claim “Aucune")
    body = mailed.get_content()
    assert f"The sentence holding the claim “{claim.text}” was changed in “" in body
    assert f"The claim: http://127.0.0.1:8000/claims/{claim.pk}/" in body
    # Alice hears of it too, and of her publication; each mail went once.
    subjects = sorted(m["Subject"] for m in smtp_sink.received("alice_journalist@example.org"))
    assert len(subjects) == 2 and "published your annotation" in subjects[0] + subjects[1]
    assert not Notification.objects.filter(mailed_at=None).exists()
    call_command("worker", "--batch", verbosity=0)
    assert len(smtp_sink.messages) == Notification.objects.count()

    inbox = as_user(erin_editor).get("/api/notifications/").json()["results"]
    assert [n["kind"] for n in inbox] == ["source-edited", "submitted"]
