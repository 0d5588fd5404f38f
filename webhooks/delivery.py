"""Sending one delivery: the body (frozen at the first attempt: the claim as the webhook's
owner may see it then), its signature, one POST through the private-address guard within a
deadline, and the attempt's log; exponential backoff between attempts.

A worker takes a delivery with a lease recorded — with the attempt's number — before it
sends: a second worker leaves it alone, and if the first dies the lease lapses and the
recovery (`tasks.enqueue_overdue`) queues it again. A receiver may then see a delivery
twice, never none; `X-Claimdesk-Delivery` names it, to recognise a repeat."""

import datetime as dt
import hashlib
import hmac
import urllib.parse

import httpcore
import httpx
import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone

from annotations.models import Claim
from archive.ingest.fetch import Deadline, PinnedTransport, PrivateAddressError, vetted_addresses
from publication import published
from publication.representations import claims_data, iso

from .models import Attempt, Delivery, Event, Webhook
from .rules import still_receives

USER_AGENT = "Claimdesk-Webhooks/1"
# A worker's hold on a delivery beyond the attempt's own deadline.
LEASE_MARGIN = dt.timedelta(seconds=30)
SCHEMES = ("http", "https")


def signature(secret: str, body: bytes) -> str:
    """`X-Claimdesk-Signature`: the HMAC-SHA256 of the exact body with the secret, in hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempt: int) -> dt.timedelta:
    """How long after failed attempt number `attempt` (1, 2, …) the next one is due:
    CLAIMDESK_WEBHOOK_RETRY_BASE seconds, doubled each time."""
    return dt.timedelta(seconds=settings.CLAIMDESK_WEBHOOK_RETRY_BASE * 2 ** (attempt - 1))


def check_url(url: str) -> None:
    """Refuse (ValidationError on `url`) an address a webhook may not have: not http(s), or
    whose host is unknown or non-public (the fetch guard's rule, asked again at each
    delivery: DNS may change)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError({"url": [f"Not a valid web address: {exc}."]}) from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValidationError({"url": ["Give an http:// or https:// address."]})
    try:
        vetted_addresses(parts.hostname, port)
    except PrivateAddressError as exc:
        raise ValidationError({"url": [f"{exc}."]}) from None
    except httpcore.ConnectError as exc:
        raise ValidationError({"url": [f"{exc}."]}) from None


def claim_for(webhook: Webhook, claim_id: int) -> dict | None:
    """The claim as `GET /api/claims/<id>/` shows it to the webhook's owner now; None if the
    owner may not see it. A read-only token's webhook reads the published document, as the
    token does."""
    if webhook.token_id is not None:
        document = published.stored_documents([claim_id]).get(claim_id)
        return None if document is None else orjson.loads(document)
    owner = webhook.owner
    claims = list(Claim.objects.visible_to(owner).with_creator().filter(pk=claim_id))
    shown = claims_data(claims, owner)
    return shown[0] if shown else None


def body_of(delivery: Delivery) -> bytes | None:
    """The bytes a delivery sends — `{"event", "at", "claim", "withdrawn"?}`, keys sorted —,
    or None when its claim is not one the webhook's owner may see any more."""
    claim = None
    if delivery.event != Event.WITHDRAWN:
        claim = claim_for(delivery.webhook, delivery.claim_id)
        if claim is None:
            return None
    body = {"event": delivery.event, "at": iso(delivery.at), "claim": claim}
    if delivery.withdrawn is not None:
        body["withdrawn"] = delivery.withdrawn
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def take(delivery_id: int, now: dt.datetime) -> bool:
    """Lease the delivery for one attempt, counting it, if it is due and no live worker has
    it; whether this worker got it."""
    lease = dt.timedelta(seconds=settings.CLAIMDESK_WEBHOOK_TIMEOUT) + LEASE_MARGIN
    return bool(
        Delivery.objects.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now),
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            pk=delivery_id,
            status=Delivery.Status.PENDING,
        ).update(leased_until=now + lease, attempts=F("attempts") + 1)
    )


def attempt(delivery_id: int) -> dt.datetime | None:
    """Send the delivery once if it is due and free; when the next attempt is due if this
    one failed and attempts are left (CLAIMDESK_WEBHOOK_MAX_ATTEMPTS), else None."""
    started = timezone.now()
    if not take(delivery_id, started):
        return None
    delivery = (
        Delivery.objects.select_related("webhook__owner", "webhook__token")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:  # its webhook was deleted meanwhile
        return None
    webhook = delivery.webhook
    body = delivery.body
    if still_receives(webhook) and body is None:
        body = body_of(delivery)
        if body is not None:
            Delivery.objects.filter(pk=delivery.pk).update(body=body)
    if body is None or not still_receives(webhook):
        _log(delivery, started, error="Not sent: its owner may no longer see the claim.")
        _finish(delivery, Delivery.Status.SKIPPED)
        return None
    status_code, excerpt, error = post(webhook, delivery, bytes(body))
    succeeded = status_code is not None and 200 <= status_code < 300
    next_attempt_at = None
    if not succeeded and delivery.attempts < settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS:
        next_attempt_at = timezone.now() + backoff(delivery.attempts)
    _log(
        delivery,
        started,
        status_code=status_code,
        excerpt=excerpt,
        error=error,
        next_attempt_at=next_attempt_at,
    )
    if succeeded:
        _finish(delivery, Delivery.Status.SUCCEEDED)
    elif next_attempt_at is None:
        _finish(delivery, Delivery.Status.FAILED)
    else:
        Delivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=next_attempt_at, leased_until=None
        )
    return next_attempt_at


def post(webhook: Webhook, delivery: Delivery, body: bytes) -> tuple[int | None, str, str]:
    """POST the body to the webhook's address, connecting only to a public address vetted at
    this moment, within CLAIMDESK_WEBHOOK_TIMEOUT seconds in all: (status code, the start of
    the answer, error), redirects not followed (a non-2xx like any other)."""
    timeout = settings.CLAIMDESK_WEBHOOK_TIMEOUT
    deadline = Deadline(timeout)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Claimdesk-Event": delivery.event,
        "X-Claimdesk-Delivery": str(delivery.uuid),
        "X-Claimdesk-Signature": signature(webhook.secret, body),
    }
    limit = settings.CLAIMDESK_WEBHOOK_RESPONSE_EXCERPT
    client = httpx.Client(
        follow_redirects=False,
        timeout=timeout,
        transport=PinnedTransport(),
        event_hooks={"request": [deadline.limit]},
    )
    try:
        with client.stream("POST", webhook.url, content=body, headers=headers) as response:
            received = b""
            for chunk in response.iter_bytes():
                received += chunk
                if len(received) >= limit:
                    break
                deadline.refresh()
            excerpt = received[:limit].decode("utf-8", "replace")
            error = (
                "" if response.is_success else f"The receiver answered HTTP {response.status_code}."
            )
            return response.status_code, excerpt, error
    except httpx.TimeoutException:
        return None, "", f"No answer within {timeout:g} seconds (CLAIMDESK_WEBHOOK_TIMEOUT)."
    except PrivateAddressError as exc:
        return None, "", f"{exc}."
    except httpx.HTTPError as exc:
        return None, "", f"Could not send it: {exc or type(exc).__name__}."
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        return None, "", f"Not a valid web address: {exc}."
    finally:
        client.close()


def _log(
    delivery: Delivery,
    started: dt.datetime,
    *,
    status_code: int | None = None,
    excerpt: str = "",
    error: str = "",
    next_attempt_at: dt.datetime | None = None,
) -> None:
    ended = timezone.now()
    Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started,
        duration_ms=round((ended - started) / dt.timedelta(milliseconds=1)),
        status_code=status_code,
        error=error,
        response_excerpt=excerpt,
        next_attempt_at=next_attempt_at,
    )


def _finish(delivery: Delivery, status: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, next_attempt_at=None, leased_until=None
    )


# What a redelivery repeats of the delivery it sends again.
REDELIVERED = ("webhook", "event", "claim_id", "at", "withdrawn", "body")


def redelivery(delivery: Delivery) -> Delivery:
    """A new delivery of the same event with the same body (unsent yet if the first never
    had one), under a new `X-Claimdesk-Delivery`."""
    return Delivery.objects.create(
        **{name: getattr(delivery, name) for name in REDELIVERED},
        next_attempt_at=timezone.now(),
        redelivery_of=delivery,
    )
