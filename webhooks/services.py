"""Every write to webhooks, by the person (or read-only token) they belong to, journaled:
who made, changed, deleted a webhook, rotated its secret or asked for a delivery again is
on record (never the secret itself)."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import APIToken
from journal import services as journal

from . import delivery as sending
from .models import Delivery, Event, Webhook, new_secret
from .rules import require_webhook_owner
from .tasks import enqueue_delivery

JOURNALED = ("url", "events", "active")


def clean_events(events) -> list[str]:
    """The events asked for, known and without repeats, in the order given; ValidationError
    on `events` naming an unknown one."""
    if not isinstance(events, list) or not events:
        raise ValidationError({"events": ["Name at least one event: " + ", ".join(Event.values)]})
    unknown = [str(event) for event in events if event not in Event.values]
    if unknown:
        raise ValidationError(
            {
                "events": [
                    f"Unknown event {', '.join(map(repr, unknown))}; "
                    f"the events are {', '.join(Event.values)}."
                ]
            }
        )
    return list(dict.fromkeys(events))


def _record(user: User, webhook: Webhook, action: str, changes=()) -> None:
    journal.record(
        actor=user,
        kind="webhook",
        object_id=webhook.pk,
        action=action,
        changes=changes,
        owner_id=webhook.owner_id,
    )


@transaction.atomic
def create_webhook(
    *, user: User, token: APIToken | None = None, url: str, events: list[str], active: bool = True
) -> Webhook:
    """A webhook for `user` — or, when `token` (read-only) asks, for that token, showing what
    it reads. Its secret is on the returned object, to show once."""
    read_only = token is not None and token.read_only
    require_webhook_owner(user, read_only_token=read_only)
    events = clean_events(events)
    sending.check_url(url)
    webhook = Webhook(
        owner=user, token=token if read_only else None, url=url, events=events, active=active
    )
    webhook.full_clean()
    webhook.save()
    _record(user, webhook, "created", journal.changes({}, journal.state(webhook, *JOURNALED)))
    return webhook


@transaction.atomic
def update_webhook(*, user: User, webhook: Webhook, **fields) -> Webhook:
    """Change the webhook's `url`, `events` or `active`."""
    require_webhook_owner(user, read_only_token=webhook.token_id is not None)
    unknown = set(fields) - set(JOURNALED)
    if unknown:
        raise ValueError(f"Webhooks have no field {', '.join(sorted(unknown))} to change.")
    before = journal.state(webhook, *JOURNALED)
    if "events" in fields:
        fields["events"] = clean_events(fields["events"])
    if "url" in fields:
        sending.check_url(fields["url"])
    for name, value in fields.items():
        setattr(webhook, name, value)
    webhook.full_clean()
    webhook.save()
    changes = journal.changes(before, journal.state(webhook, *JOURNALED))
    if changes:
        _record(user, webhook, "edited", changes)
    return webhook


@transaction.atomic
def rotate_secret(*, user: User, webhook: Webhook) -> Webhook:
    """A new secret for the webhook, which signs every delivery from now on (retries of
    earlier ones included); on the returned object, to show once."""
    require_webhook_owner(user, read_only_token=webhook.token_id is not None)
    webhook.secret = new_secret()
    webhook.save(update_fields=["secret", "updated_at"])
    _record(user, webhook, "secret_rotated")
    return webhook


@transaction.atomic
def delete_webhook(*, user: User, webhook: Webhook) -> None:
    """Delete the webhook, its deliveries and their log; nothing more is sent to it."""
    require_webhook_owner(user, read_only_token=webhook.token_id is not None)
    _record(user, webhook, "deleted", journal.removal(journal.state(webhook, *JOURNALED)))
    webhook.delete()


@transaction.atomic
def redeliver(*, user: User, delivery: Delivery) -> Delivery:
    """Send a delivery again, as a new delivery (its own id and attempts) of the same event
    and body, queued once the transaction commits."""
    webhook = delivery.webhook
    require_webhook_owner(user, read_only_token=webhook.token_id is not None)
    again = sending.redelivery(delivery)
    _record(
        user,
        webhook,
        "redelivered",
        [{"field": "delivery", "from": str(delivery.uuid), "to": str(again.uuid)}],
    )
    transaction.on_commit(lambda: enqueue_delivery(again.pk))
    return again
