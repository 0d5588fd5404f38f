"""A person's notifications (what happened that concerns them, from the journal) and how they
want to be told by mail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from annotations import visibility
from annotations.models import Claim
from archive.models import Article
from core.models import one_of, person_or_none
from journal.models import Entry


class Kind(models.TextChoices):
    """What happened (the API's `kind`)."""

    ASSIGNED = "assigned"
    RETURNED = "returned"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETRACTED = "retracted"
    SOURCE_EDITED = "source-edited"


class Delivery(models.TextChoices):
    """When a person is mailed their notifications."""

    IMMEDIATELY = "immediately", gettext_lazy("immediately")
    DAILY = "daily", gettext_lazy("daily digest")
    NEVER = "never", gettext_lazy("never")


class NotificationQuerySet(models.QuerySet):
    def of(self, person):
        """`person`'s notifications, those about a claim they may no longer see left out (the
        one visibility policy, as a subquery: a removed claim, say)."""
        visible = Claim.objects.filter(visibility.claims(person)).values("pk")
        return self.filter(Q(claim__isnull=True) | Q(claim__in=visible), recipient=person)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def with_details(self):
        """With what their text names: the actor, the claim and the article."""
        return self.select_related("actor", "claim", "article")


class Notification(models.Model):
    """One thing that happened to `recipient`'s work or asks for it, made from the journal
    entry that recorded it (`entry`; one notification per entry and recipient). Its text is
    rendered when read, in the reader's language (`notifications.texts`), from what is kept:
    who acted, the claim, the article and the comment or reason given."""

    Kind = Kind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    actor = person_or_none()
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, null=True, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, related_name="+")
    comment = models.TextField(blank=True, help_text="The review comment or reason given.")
    read_at = models.DateTimeField(null=True, blank=True)
    # When a mail (alone or in a digest) took it; claimed before sending, so it goes once.
    mailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "recipient"], name="notifications_notification_once_per_entry"
            ),
            one_of("kind", Kind, "notifications_notification_kind_valid"),
        ]
        indexes = [
            # The inbox, newest first (cursor pages on id), and its unread count.
            models.Index(fields=["recipient", "-id"], name="notifications_inbox"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notifications_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} (entry {self.entry_id})"

    @property
    def read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """How `person` wants notifications by mail, and in which language they are written to
    them (the inbox API and mail; pages follow the interface's language). No row: the
    defaults."""

    Email = Delivery

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    email = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.IMMEDIATELY)
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # The digest time last claimed for this person: a digest is sent once per time, whichever
    # worker runs it.
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            one_of("email", Delivery, "notifications_preference_email_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.email}, {self.language}"


class ScheduledDigest(models.Model):
    """A digest time for which the digest task is queued: one row, hence one task, per time,
    however many processes ask for it."""

    due_at = models.DateTimeField(unique=True)

    def __str__(self) -> str:
        return self.due_at.isoformat()
