"""What the journal's writes deliver: one event per change to the public record, the claim as
the webhook's owner may see it, signed over the exact bytes sent, retried with exponential
backoff, logged attempt by attempt, redelivered on request, and never to a non-public
address."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.actors import REANCHORING
from accounts.models import APIToken
from annotations import services
from journal.services import record
from tests.factories import CaptureFactory, mark_sentence
from webhooks import delivery as sending
from webhooks import services as webhooks
from webhooks.models import Delivery, Webhook

pytestmark = pytest.mark.django_db

EVENTS = ["claim.published", "claim.updated", "claim.withdrawn", "claim.source_edited"]


@pytest.fixture
def partner(receiver, erin_editor):
    """A webhook made with a read-only token of Erin's: it sees the public record."""
    token, _ = APIToken.issue(user=erin_editor, name="partner", read_only=True)
    return webhooks.create_webhook(user=erin_editor, token=token, url=receiver.url, events=EVENTS)


@pytest.fixture
def editors_hook(receiver, erin_editor):
    return webhooks.create_webhook(user=erin_editor, url=receiver.url, events=EVENTS)


def sent(webhook: Webhook) -> list[tuple[str, int]]:
    return list(
        Delivery.objects.filter(webhook=webhook).order_by("pk").values_list("event", "claim_id")
    )


def deliver_all() -> None:
    """What a worker does: each pending delivery, once."""
    for pk in Delivery.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True):
        sending.attempt(pk)


def public_view(api, claim) -> dict:
    return api.get(f"/api/claims/{claim.pk}/").json()


def test_publishing_a_claim_delivers_claim_published_with_the_claim_as_anyone_sees_it(
    partner, receiver, public_claim, api
):
    assert sent(partner) == [("claim.published", public_claim.pk)]

    deliver_all()

    (request,) = receiver.received
    delivery = Delivery.objects.get()
    assert json.loads(request.body) == {
        "event": "claim.published",
        "at": json.loads(request.body)["at"],
        "claim": public_view(api, public_claim),
    }
    assert request.headers["X-Claimdesk-Event"] == "claim.published"
    assert request.headers["X-Claimdesk-Delivery"] == str(delivery.uuid)
    assert request.headers["Content-Type"] == "application/json"
    assert delivery.status == "succeeded" and delivery.attempts == 1


def test_the_signature_is_the_hmac_of_the_exact_body_with_the_secret(
    partner, receiver, public_claim
):
    deliver_all()

    (request,) = receiver.received
    expected = hmac.new(partner.secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Claimdesk-Signature"], f"sha256={expected}")
    # Keys sorted: the body is the same bytes whoever serialises the same payload.
    assert (
        request.body
        == json.dumps(
            json.loads(request.body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )


def test_a_change_to_a_public_claim_delivers_claim_updated(
    partner, public_claim, alice_journalist, erin_editor
):
    services.update_claim(
        user=erin_editor, claim=public_claim, claimant="Bishkek", reason="Named the claimant."
    )

    assert sent(partner)[-1] == ("claim.updated", public_claim.pk)


def test_a_change_the_public_cannot_see_delivers_nothing(partner, public_claim, bob_journalist):
    before = sent(partner)

    # Bob's draft assessment: the public claim reads the same.
    services.create_annotation(user=bob_journalist, claim=public_claim, confidence=0.2)

    assert sent(partner) == before


def test_an_unpublished_claim_is_never_delivered(partner, alice_journalist):
    claim = mark_sentence(alice_journalist, CaptureFactory())
    services.create_annotation(user=alice_journalist, claim=claim, confidence=0.5, submit=True)

    assert sent(partner) == []


def withdraw_claim(how: str, claim, editor, reason: str) -> None:
    """Take `claim` out of the public record: its assessment retracted, the claim removed,
    or its assessment returned to its author (with an editors' comment, never public)."""
    annotation = claim.annotations.get()
    if how == "retract":
        services.retract_annotation(
            user=editor, annotation=annotation, reason=reason, expected_version=annotation.version
        )
    elif how == "delete":
        services.delete_claim(user=editor, claim=claim, reason=reason)
    else:
        services.return_annotation(
            user=editor,
            annotation=annotation,
            comment="Editors' note, not public.",
            expected_version=annotation.version,
        )


@pytest.mark.parametrize(
    ("withdraw", "withdrawn_as", "reason"),
    [
        ("retract", "retracted", "The figures were wrong."),
        ("delete", "removed", "Duplicate of another claim."),
        ("return", "unpublished", ""),
    ],
)
def test_a_claim_leaving_the_public_record_delivers_claim_withdrawn_saying_how(
    partner, receiver, public_claim, erin_editor, withdraw, withdrawn_as, reason
):
    withdraw_claim(withdraw, public_claim, erin_editor, reason)
    Delivery.objects.filter(event="claim.published").update(status="succeeded")

    deliver_all()

    assert sent(partner)[-1] == ("claim.withdrawn", public_claim.pk)
    body = json.loads(receiver.received[-1].body)
    assert body == {
        "event": "claim.withdrawn",
        "at": body["at"],
        "claim": None,
        "withdrawn": {"as": withdrawn_as, "at": body["at"], "reason": reason},
    }


@pytest.mark.parametrize("withdraw", ["retract", "delete", "return"])
def test_claim_withdrawn_says_what_the_change_feeds_tombstone_says(
    partner, public_claim, erin_editor, api, withdraw
):
    withdraw_claim(withdraw, public_claim, erin_editor, "Stated in public.")

    delivery = Delivery.objects.get(webhook=partner, event="claim.withdrawn")
    results = api.get("/api/changes/?page_size=1000").json()["results"]
    (tombstone,) = [r for r in results if r["id"] == public_claim.pk]
    assert delivery.withdrawn == tombstone["withdrawn"]
    assert (
        delivery.withdrawn["as"]
        == {
            "retract": "retracted",
            "delete": "removed",
            "return": "unpublished",
        }[withdraw]
    )


def test_no_delivery_quotes_a_return_comment_even_once_republished(
    partner, receiver, public_claim, alice_journalist, erin_editor
):
    annotation = public_claim.annotations.get()
    for service, user, more in (
        (services.return_annotation, erin_editor, {"comment": "Qx9deskonlyz"}),
        (services.submit_annotation, alice_journalist, {}),
        (services.publish_annotation, erin_editor, {}),
    ):
        annotation.refresh_from_db()
        service(user=user, annotation=annotation, expected_version=annotation.version, **more)

    deliver_all()

    assert [event for event, _ in sent(partner)] == [
        "claim.published",
        "claim.withdrawn",
        "claim.published",
    ]
    assert all(b"Qx9deskonlyz" not in request.body for request in receiver.received)


def test_a_source_edit_of_a_public_claim_delivers_claim_source_edited(partner, public_claim):
    record(
        actor=REANCHORING,
        kind="claim",
        object_id=public_claim.pk,
        claim_id=public_claim.pk,
        action="source_edited",
        changes=[{"field": "quote", "from": "Aucune raison", "to": "Une raison"}],
        public=True,
    )

    assert sent(partner)[-1] == ("claim.source_edited", public_claim.pk)


def test_a_source_edit_of_an_unpublished_claim_delivers_nothing(partner, alice_journalist):
    claim = mark_sentence(alice_journalist, CaptureFactory())

    record(
        actor=REANCHORING,
        kind="claim",
        object_id=claim.pk,
        claim_id=claim.pk,
        action="source_edited",
    )

    assert sent(partner) == []


def test_a_read_only_tokens_webhook_never_carries_its_owners_drafts(
    receiver, public_claim, alice_journalist, erin_editor, api
):
    """Alice (a journalist) made the webhook with her read-only token: her draft on the claim
    is hers to read with a login, not through the token."""
    token, _ = APIToken.issue(user=alice_journalist, name="partner", read_only=True)
    hook = webhooks.create_webhook(
        user=alice_journalist, token=token, url=receiver.url, events=["claim.updated"]
    )
    services.create_annotation(
        user=alice_journalist,
        claim=mark_sentence(alice_journalist, CaptureFactory()),
        confidence=0.1,
    )
    services.update_claim(user=erin_editor, claim=public_claim, claimant="Bishkek", reason="x")

    deliver_all()

    assert sent(hook) == [("claim.updated", public_claim.pk)]
    assert json.loads(receiver.received[-1].body)["claim"] == public_view(api, public_claim)


def test_an_editors_webhook_shows_the_claim_as_the_editor_sees_it(
    editors_hook, receiver, public_claim, bob_journalist, erin_editor, as_user
):
    services.create_annotation(user=bob_journalist, claim=public_claim, confidence=0.2)
    services.update_claim(user=erin_editor, claim=public_claim, claimant="Bishkek", reason="x")
    Delivery.objects.filter(event="claim.published").update(status="succeeded")

    deliver_all()

    claim = json.loads(receiver.received[-1].body)["claim"]
    assert claim == as_user(erin_editor).get(f"/api/claims/{public_claim.pk}/").json()
    assert len(claim["annotations"]) == 2  # Bob's draft too, which editors read


def test_a_revoked_tokens_webhook_is_sent_nothing(partner, receiver, public_claim):
    partner.token.revoke()

    deliver_all()

    assert receiver.received == []
    assert Delivery.objects.get().status == "skipped"


def test_an_editor_who_is_no_longer_one_is_sent_nothing(
    editors_hook, receiver, public_claim, erin_editor
):
    erin_editor.groups.clear()
    erin_editor.__dict__.pop("_claimdesk_groups", None)

    deliver_all()

    assert receiver.received == []
    assert Delivery.objects.get().status == "skipped"


def test_a_failed_attempt_is_retried_with_backoff_and_both_are_logged(
    partner, receiver, public_claim, settings
):
    settings.CLAIMDESK_WEBHOOK_RETRY_BASE = 0.2
    receiver.statuses = [500]
    delivery = Delivery.objects.get()

    first_due = sending.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert first_due == delivery.next_attempt_at
    assert dt.timedelta(seconds=0.2) <= first_due - delivery.attempt_log.get().started_at
    # Not due yet: a second worker (or a duplicate task) leaves it.
    assert sending.attempt(delivery.pk) is None
    assert len(receiver.received) == 1

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert sending.attempt(delivery.pk) is None

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    first, second = delivery.attempt_log.order_by("number")
    assert (first.number, first.status_code, first.error) == (
        1,
        500,
        "The receiver answered HTTP 500.",
    )
    assert first.next_attempt_at == first_due
    # The answer is kept only in part.
    assert len(first.response_excerpt) == settings.CLAIMDESK_WEBHOOK_RESPONSE_EXCERPT
    assert first.duration_ms is not None
    assert (second.number, second.status_code, second.error, second.next_attempt_at) == (
        2,
        200,
        "",
        None,
    )
    # Each attempt sent the same bytes, signed the same.
    assert receiver.received[0].body == receiver.received[1].body
    assert (
        receiver.received[0].headers["X-Claimdesk-Signature"]
        == receiver.received[1].headers["X-Claimdesk-Signature"]
    )


def test_the_backoff_doubles_from_the_base_delay(settings):
    settings.CLAIMDESK_WEBHOOK_RETRY_BASE = 30

    delays = [sending.backoff(n).total_seconds() for n in range(1, 8)]

    assert delays == [30, 60, 120, 240, 480, 960, 1920]


def test_a_delivery_fails_after_its_last_attempt(partner, receiver, public_claim, settings):
    settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS = 5
    receiver.statuses = [503] * 5
    delivery = Delivery.objects.get()

    for _ in range(5):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        sending.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 5, None)
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [
        (n, 503) for n in range(1, 6)
    ]
    assert delivery.attempt_log.get(number=5).next_attempt_at is None


def test_a_timeout_is_an_error_retried(partner, public_claim, settings):
    """A receiver that accepts the connection and never answers."""
    import socket

    settings.CLAIMDESK_WEBHOOK_TIMEOUT = 0.5
    silent = socket.create_server(("127.0.0.1", 0))
    Webhook.objects.filter(pk=partner.pk).update(url=f"http://127.0.0.1:{silent.getsockname()[1]}/")
    try:
        assert sending.attempt(Delivery.objects.get().pk) is not None
    finally:
        silent.close()

    attempt = Delivery.objects.get().attempt_log.get()
    assert attempt.status_code is None
    assert attempt.error == "No answer within 0.5 seconds (CLAIMDESK_WEBHOOK_TIMEOUT)."


def test_the_private_address_guard_is_asked_again_at_delivery(
    partner, receiver, public_claim, settings
):
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = False  # the address now resolves to loopback

    sending.attempt(Delivery.objects.get().pk)

    assert receiver.received == []
    error = Delivery.objects.get().attempt_log.get().error
    assert "127.0.0.1 is a non-public address" in error


def test_a_delivery_taken_by_a_worker_that_died_is_sent_again_after_its_lease(
    partner, receiver, public_claim, settings
):
    from webhooks.tasks import enqueue_overdue

    delivery = Delivery.objects.get()
    now = timezone.now()
    # A worker took it (lease and attempt recorded) and died before sending.
    assert sending.take(delivery.pk, now)
    assert enqueue_overdue(now=now + dt.timedelta(seconds=5)) == []
    assert sending.attempt(delivery.pk) is None and receiver.received == []

    later = now + dt.timedelta(seconds=settings.CLAIMDESK_JOB_STALE_AFTER + 60)
    assert enqueue_overdue(now=later) == [delivery.pk]
    Delivery.objects.filter(pk=delivery.pk).update(leased_until=None, next_attempt_at=now)
    sending.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == ("succeeded", 2, 1)


def test_redelivery_sends_the_same_body_again_under_a_new_delivery_id(
    partner, receiver, public_claim, erin_editor, django_capture_on_commit_callbacks
):
    deliver_all()
    original = Delivery.objects.get()
    client = APIClient()  # as the partner's token
    client.force_authenticate(user=erin_editor, token=partner.token)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/webhooks/{partner.pk}/deliveries/{original.uuid}/redeliver/")

    assert response.status_code == 202, response.content
    again = Delivery.objects.get(redelivery_of=original)
    assert response.json()["id"] == str(again.uuid)
    assert response.json()["redelivery_of"] == str(original.uuid)
    assert again.status == "succeeded"  # the immediate backend sent it on commit
    first, second = receiver.received
    assert second.body == first.body
    assert second.headers["X-Claimdesk-Delivery"] == str(again.uuid)
    assert second.headers["X-Claimdesk-Delivery"] != first.headers["X-Claimdesk-Delivery"]


def test_a_paused_webhook_is_sent_no_new_events(partner, public_claim, erin_editor):
    webhooks.update_webhook(user=erin_editor, webhook=partner, active=False)

    services.update_claim(user=erin_editor, claim=public_claim, claimant="Bishkek", reason="x")

    assert sent(partner) == [("claim.published", public_claim.pk)]


def test_only_the_events_subscribed_are_delivered(receiver, erin_editor, public_claim):
    hook = webhooks.create_webhook(user=erin_editor, url=receiver.url, events=["claim.withdrawn"])

    services.update_claim(user=erin_editor, claim=public_claim, claimant="Bishkek", reason="x")
    services.delete_claim(user=erin_editor, claim=public_claim, reason="Duplicate.")

    assert sent(hook) == [("claim.withdrawn", public_claim.pk)]


def test_the_webhook_listeners_run_around_the_read_models_refresh():
    """What was public is read before the read model follows a write, what is, after."""
    from journal.services import _listeners
    from publication.published import refresh_for_entries
    from webhooks.events import deliveries_for_entries, note_public_before

    order = [_listeners.index(f) for f in (note_public_before, refresh_for_entries)]
    assert order == sorted(order)
    assert _listeners.index(deliveries_for_entries) > _listeners.index(refresh_for_entries)


def test_renaming_a_tag_a_public_claim_shows_delivers_claim_updated(
    partner, public_claim, erin_editor
):
    tag = public_claim.annotations.get().tags.get()

    services.save_tag(user=erin_editor, tag=tag, slug=tag.slug, label="Contested")

    assert sent(partner)[-1] == ("claim.updated", public_claim.pk)
