"""Webhooks, their deliveries (an outbox written in the journal's transaction) and each
delivery's attempts."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import APIToken
from core.models import one_of


class Event(models.TextChoices):
    PUBLISHED = "claim.published"
    UPDATED = "claim.updated"
    WITHDRAWN = "claim.withdrawn"
    SOURCE_EDITED = "claim.source_edited"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookQuerySet(models.QuerySet):
    def receiving(self):
        """The webhooks that are sent events now: active, their owner active, and — for one
        made with a read-only token — that token not revoked."""
        return self.filter(active=True, owner__is_active=True).filter(
            Q(token__isnull=True) | Q(token__revoked_at__isnull=True)
        )


class Webhook(models.Model):
    """An address told of `events` by signed POSTs. It belongs to who made it: an editor, or
    a read-only API token (then it sees what the token reads: the public record)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    # The read-only token that made it, if one did: its deliveries show what the token may
    # read, and it goes with the token.
    token = models.ForeignKey(
        APIToken, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # An owner's webhook list.
            models.Index(fields=["owner", "-created_at"], name="webhooks_webhook_owner"),
        ]

    def __str__(self) -> str:
        return f"Webhook {self.pk} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Not sent: the claim was no longer one the webhook's owner may see when it was due.
    SKIPPED = "skipped"


class Delivery(models.Model):
    """One event for one webhook: written with the change (so a crash loses nothing), sent
    by a worker, retried with exponential backoff. `body` is frozen at the first attempt, so
    every retry sends — and signs — the same bytes."""

    Status = DeliveryStatus

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=30, choices=Event.choices)
    claim_id = models.BigIntegerField()
    at = models.DateTimeField()
    withdrawn = models.JSONField(null=True, blank=True)
    body = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Taken by a worker until then; a worker that dies lets it lapse and the delivery is
    # sent again (at a worker's next tick, core.schedule).
    leased_until = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="redeliveries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            one_of("status", DeliveryStatus, "webhooks_delivery_status_valid"),
            one_of("event", Event, "webhooks_delivery_event_valid"),
        ]
        indexes = [
            # A webhook's delivery log, newest first.
            models.Index(fields=["webhook", "-id"], name="webhooks_delivery_log"),
            # The deliveries a worker should send now (recovery of lost ones).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhooks_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} of claim {self.claim_id} to webhook {self.webhook_id}"


class Attempt(models.Model):
    """One try at sending a delivery: what the receiver answered (or why there was no
    answer), how long it took, and when the next try is due."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The start of the receiver's answer, bounded (CLAIMDESK_WEBHOOK_RESPONSE_EXCERPT).
    response_excerpt = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhooks_attempt_one_per_number"
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"
