"""A person's own writes to their inbox and mail preferences. Not journaled: nobody else reads
them, no published work shows them and nothing downstream (the read model, the feed, webhooks)
follows them — unlike a person's name, which published work credits (annotations.services.
set_name)."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import schedule
from .mail import preference_of
from .models import Delivery, Notification, Preference


def _require_person(user: User) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to read your notifications."))


def mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of `user`'s notifications read (again: no change)."""
    _require_person(user)
    if notification.recipient_id != user.pk:
        raise PermissionDenied(_("This notification is someone else’s."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, user: User) -> int:
    """Mark all of `user`'s unread notifications read; how many."""
    _require_person(user)
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())


@transaction.atomic
def set_preferences(*, user: User, email: str | None = None, language: str | None = None):
    """Set how `user` is mailed (immediately, daily digest, never) and the language their
    notifications are written in; what is not given stays. Choosing the digest schedules the
    next one."""
    _require_person(user)
    preference = preference_of(user)
    if email is not None:
        preference.email = email
    if language is not None:
        preference.language = language
    try:
        preference.full_clean(exclude=["person", "digest_sent_at"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    stored, _created = Preference.objects.update_or_create(
        person=user, defaults={"email": preference.email, "language": preference.language}
    )
    user.notification_preference = stored
    if stored.email == Delivery.DAILY:
        transaction.on_commit(schedule.schedule_digest, robust=True)
    return stored
