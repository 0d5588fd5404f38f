"""Mail: each notification on its own for people who want it immediately (the worker sends it
once the write commits), one digest a day for those who want a digest, none for those who
want none — in the person's language, each sent once whatever runs it twice."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from annotations import services
from notifications import mail as notification_mail
from notifications.models import Notification, Preference, ScheduledDigest

from .test_inbox import source_edited

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def publish(annotation, editor):
    return services.publish_annotation(
        user=editor, annotation=annotation, expected_version=annotation.version
    )


def prefer(person, **choices):
    Preference.objects.update_or_create(person=person, defaults=choices)


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


def test_a_notification_is_mailed_at_once_by_default_in_english(
    django_capture_on_commit_callbacks, submitted, claim, alice_journalist, erin_editor, settings
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(submitted, erin_editor)

    (message,) = mail.outbox
    notification = Notification.objects.get(recipient=alice_journalist)
    assert message.to == ["alice_journalist@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    text = f"erin_editor published your annotation of “{claim.text}”."
    assert message.subject == f"Claimdesk: {text[:119]}…"  # one line, not too long
    assert message.body == (
        "Hello alice_journalist,\n\n"
        f"erin_editor published your annotation of “{claim.text}”.\n"
        f"The claim: http://127.0.0.1:8000/claims/{claim.pk}/\n\n"
        "Your inbox: http://127.0.0.1:8000/inbox/\n\n"
        "-- \n"
        "Claimdesk. To choose when you are mailed, or stop these mails: "
        "http://127.0.0.1:8000/accounts/name/#notifications\n"
    )
    assert message.extra_headers["Content-Language"] == "en"
    assert notification.mailed_at is not None


def test_a_notification_is_mailed_in_the_person_s_language(
    django_capture_on_commit_callbacks, submitted, claim, alice_journalist, erin_editor
):
    prefer(alice_journalist, language="fr")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(submitted, erin_editor)

    (message,) = mail.outbox
    assert message.body.startswith(
        "Bonjour alice_journalist,\n\n"
        f"erin_editor a publié votre annotation de « {claim.text} ».\n"
        f"L’affirmation : http://127.0.0.1:8000/claims/{claim.pk}/\n"
    )
    assert "Pour choisir quand vous recevez ces courriels" in message.body
    assert message.extra_headers["Content-Language"] == "fr"


def test_never_means_no_mail_but_the_inbox_still_has_it(
    django_capture_on_commit_callbacks, submitted, alice_journalist, erin_editor
):
    prefer(alice_journalist, email="never")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(submitted, erin_editor)

    assert mail.outbox == []
    assert Notification.objects.get(recipient=alice_journalist).mailed_at is None


def test_nothing_is_mailed_before_the_write_commits(
    django_capture_on_commit_callbacks, submitted, alice_journalist, erin_editor
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(submitted, erin_editor)

    assert mail.outbox == [] and callbacks


def test_the_same_mail_task_run_twice_sends_once(submitted, alice_journalist, erin_editor):
    publish(submitted, erin_editor)  # the commit hook does not run: the worker's turn
    ids = list(Notification.objects.filter(recipient=alice_journalist).values_list("id", flat=True))
    mail.outbox.clear()

    assert notification_mail.mail_notifications(ids) == 1
    assert notification_mail.mail_notifications(ids) == 0
    assert len(mail.outbox) == 1


def test_a_person_without_an_address_gets_no_mail(submitted, alice_journalist, erin_editor):
    alice_journalist.email = ""
    alice_journalist.save()
    publish(submitted, erin_editor)
    ids = list(Notification.objects.values_list("id", flat=True))
    mail.outbox.clear()

    notification_mail.mail_notifications(ids)

    # The editors' notifications of the submission go; Alice's has nowhere to go.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "erin_editor@example.org",
        "fred_editor@example.org",
    ]
    assert Notification.objects.get(recipient=alice_journalist).mailed_at is None


def test_a_failed_send_is_given_back_to_be_sent_again(
    submitted, alice_journalist, erin_editor, settings
):
    publish(submitted, erin_editor)
    notification = Notification.objects.get(recipient=alice_journalist)
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}

    with pytest.raises(ConnectionRefusedError):
        notification_mail.mail_notifications([notification.pk])

    notification.refresh_from_db()
    assert notification.mailed_at is None


def test_the_digest_is_queued_once_for_its_time_and_sends_each_person_one_mail(
    django_capture_on_commit_callbacks, published, claim, alice_journalist, settings
):
    settings.TASKS = DATABASE_TASKS
    settings.CLAIMDESK_DIGEST_HOUR = 7
    prefer(alice_journalist, email="daily")
    Notification.objects.all().delete()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        source_edited(claim)
    with django_capture_on_commit_callbacks(execute=True):
        source_edited(claim)

    assert mail.outbox == []  # not before the digest
    due = ScheduledDigest.objects.get().due_at
    assert due == notification_mail.digest_time()
    (queued,) = DBTaskResult.objects.filter(task_path="notifications.tasks.send_digests")
    assert queued.run_after == due and queued.args_kwargs["args"] == [due.isoformat()]

    # The worker runs it at its time; a second run (another worker, a retry) sends nothing.
    assert notification_mail.send_digests(due) == 1
    assert notification_mail.send_digests(due) == 0

    (digest,) = [m for m in mail.outbox if m.to == ["alice_journalist@example.org"]]
    assert digest.subject == "Claimdesk: 2 new notifications"
    assert digest.body.count("was changed in") == 2
    assert f"  http://127.0.0.1:8000/claims/{claim.pk}/" in digest.body
    assert not Notification.objects.filter(recipient=alice_journalist, mailed_at=None).exists()


def test_the_digest_leaves_out_what_was_read_and_says_nothing_when_nothing_is_left(
    published, claim, alice_journalist
):
    prefer(alice_journalist, email="daily")
    Notification.objects.filter(recipient=alice_journalist).update(read_at=timezone.now())
    mail.outbox.clear()

    assert notification_mail.send_digests(timezone.now()) == 0
    assert mail.outbox == []


def test_the_next_digest_has_only_what_came_after_the_last(published, claim, alice_journalist):
    prefer(alice_journalist, email="daily", language="fr")
    first = timezone.now()
    notification_mail.send_digests(first)
    source_edited(claim)
    mail.outbox.clear()

    assert notification_mail.send_digests(first + dt.timedelta(days=1)) == 1

    (digest,) = mail.outbox
    assert digest.subject == "Claimdesk : 1 nouvelle notification"
    assert "a été modifiée dans" in digest.body and "a publié" not in digest.body


def test_choosing_the_digest_schedules_it(
    as_user, alice_journalist, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        as_user(alice_journalist).patch("/api/notifications/preferences/", {"email": "daily"})
    with django_capture_on_commit_callbacks(execute=True):
        as_user(alice_journalist).patch("/api/notifications/preferences/", {"email": "daily"})

    assert ScheduledDigest.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path="notifications.tasks.send_digests").count() == 1


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2026-12-07T06:59:00+00:00", "2026-12-07T07:00:00+00:00"),
        ("2026-12-07T07:00:00+00:00", "2026-12-08T07:00:00+00:00"),
        ("2026-12-07T23:30:00+00:00", "2026-12-08T07:00:00+00:00"),
    ],
)
def test_the_digest_time_is_the_next_digest_hour(now, due, settings):
    settings.CLAIMDESK_DIGEST_HOUR = 7
    assert notification_mail.digest_time(dt.datetime.fromisoformat(now)) == (
        dt.datetime.fromisoformat(due)
    )


def test_the_command_sends_the_digest_that_is_due_once(published, claim, alice_journalist):
    prefer(alice_journalist, email="daily")
    due = notification_mail.digest_time() - dt.timedelta(days=1)  # the last that has come
    Notification.objects.update(at=due - dt.timedelta(hours=1))
    mail.outbox.clear()
    out = io.StringIO()

    call_command("send_digests", stdout=out)
    call_command("send_digests", stdout=out)

    assert [m.to for m in mail.outbox] == [["alice_journalist@example.org"]]
    assert out.getvalue().splitlines() == [
        f"Sent 1 digest(s) for {due.isoformat()}.",
        f"Sent 0 digest(s) for {due.isoformat()}.",
    ]
