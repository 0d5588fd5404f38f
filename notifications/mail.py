"""Notifications by mail, through Django's mail backend (SMTP in production, the console in
development): one mail a notification for people who want them immediately, one digest a day
for those who want a digest. Each notification is claimed (`mailed_at`) and each person's
digest (`Preference.digest_sent_at`) before sending, atomically, so that any number of workers
running the same task send it once; a failed send gives the claim back."""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, mailers
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.people import display_name

from .models import Delivery, Notification, Preference
from .texts import text

logger = logging.getLogger("notifications")


def preference_of(person: User) -> Preference:
    """`person`'s preferences: their row, or the defaults (unsaved)."""
    try:
        return person.notification_preference
    except Preference.DoesNotExist:
        return Preference(person=person)


def digest_time(now: dt.datetime | None = None) -> dt.datetime:
    """The next digest time after `now`: CLAIMDESK_DIGEST_HOUR o'clock (UTC) today or
    tomorrow."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).replace(
        hour=settings.CLAIMDESK_DIGEST_HOUR, minute=0, second=0, microsecond=0
    )
    return today if today > now else today + dt.timedelta(days=1)


def _link(path: str) -> str:
    return settings.CLAIMDESK_PUBLIC_URL + path


def _item(notification: Notification) -> dict:
    claim_url = (
        _link(reverse("annotations:claim-detail", args=[notification.claim_id]))
        if notification.claim_id
        else ""
    )
    return {"text": text(notification), "url": claim_url, "at": notification.at}


def _message(person: User, template: str, context: dict) -> EmailMessage:
    """A plain-text mail to `person` from templates/notifications/mail/<template>_*.txt, in
    their language."""
    language = preference_of(person).language
    with translation.override(language):
        context = {
            **context,
            "name": display_name(person),
            "inbox_url": _link(reverse("annotations:inbox")),
            "preferences_url": _link(reverse("your-name")) + "#notifications",
        }
        context["items"] = [_item(n) for n in context.pop("notifications")]
        subject = render_to_string(f"notifications/mail/{template}_subject.txt", context)
        body = render_to_string(f"notifications/mail/{template}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[person.email],
        headers={"Content-Language": language},
    )


class _Sending:
    """Mails sent one by one through the default mailer (opened once a task): a failed one is
    logged and its claim given back, the rest are still tried; `done` raises the first failure
    or answers how many were sent."""

    def __init__(self) -> None:
        self.connection, self.sent, self.failure = mailers.default, 0, None

    def send(self, message: EmailMessage, give_back: Callable[[], object], *failed) -> None:
        """Send `message`; on any backend error log `failed` (a format and its arguments)
        and call `give_back`."""
        try:
            self.connection.send_messages([message])
        except Exception as error:  # any backend error: give it back, go on
            logger.exception(*failed)
            give_back()
            self.failure = self.failure or error
        else:
            self.sent += 1

    def done(self) -> int:
        if self.failure:
            raise self.failure
        return self.sent


def mail_notifications(notification_ids: list[int]) -> int:
    """Mail each of these notifications on its own to a recipient who wants them immediately,
    has an address and may still see what it is about; how many were sent. Raises the first
    sending error after trying them all (the failed ones stay unmailed)."""
    pending = (
        Notification.objects.filter(pk__in=notification_ids, mailed_at__isnull=True)
        .select_related("recipient__notification_preference")
        .order_by("id")
    )
    sending = _Sending()
    for notification in pending:
        person = notification.recipient
        if preference_of(person).email != Delivery.IMMEDIATELY or not person.email:
            continue
        mine = Notification.objects.of(person).with_details().filter(pk=notification.pk).first()
        if mine is None or not _claim(mine.pk):
            continue
        sending.send(
            _message(person, "notification", {"notifications": [mine]}),
            lambda pk=mine.pk: Notification.objects.filter(pk=pk).update(mailed_at=None),
            "Mailing notification %s to %s failed",
            mine.pk,
            person.pk,
        )
    return sending.done()


def send_digests(due_at: dt.datetime) -> int:
    """Mail each person who wants a daily digest, and has not had the one for `due_at`, their
    unread notifications not mailed yet, up to `due_at`; how many digests were sent."""
    not_yet = Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lt=due_at)
    due = Preference.objects.filter(not_yet, email=Delivery.DAILY).select_related("person")
    sending = _Sending()
    for preference in due:
        person = preference.person
        # The claim: of all the workers running this digest, one takes this person's.
        if not Preference.objects.filter(not_yet, pk=person.pk).update(digest_sent_at=due_at):
            continue
        unread = list(
            Notification.objects.of(person)
            .unread()
            .with_details()
            .filter(mailed_at__isnull=True, at__lte=due_at)
            .order_by("id")
        )
        if not unread or not person.email:
            continue
        Notification.objects.filter(pk__in=[n.pk for n in unread]).update(mailed_at=timezone.now())

        def give_back(unread=unread, person=person, preference=preference) -> None:
            Notification.objects.filter(pk__in=[n.pk for n in unread]).update(mailed_at=None)
            Preference.objects.filter(pk=person.pk).update(digest_sent_at=preference.digest_sent_at)

        sending.send(
            _message(person, "digest", {"notifications": unread}),
            give_back,
            "Mailing the digest of %s to %s failed",
            due_at,
            person.pk,
        )
    return sending.done()


def _claim(notification_id: int) -> bool:
    """Mark this notification mailed, unless it was already; whether this call did."""
    claimed = Notification.objects.filter(pk=notification_id, mailed_at__isnull=True)
    return claimed.update(mailed_at=timezone.now()) == 1
