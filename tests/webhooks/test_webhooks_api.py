"""The webhooks API: who may have webhooks, what creating one answers (the secret once),
validation naming the field, each sees only their own, changes journaled, and the delivery
log cursor-paginated in a constant number of queries."""

import pytest
from django.utils import timezone

from journal.models import Entry
from webhooks.models import Attempt, Delivery, Webhook

pytestmark = pytest.mark.django_db

EVENTS = ["claim.published", "claim.updated", "claim.withdrawn", "claim.source_edited"]
# A literal public address: vetted without a DNS look-up.
PUBLIC_URL = "https://93.184.215.14/hooks/claimdesk"


def test_an_editor_creates_a_webhook_and_is_shown_its_secret_once(as_user, erin_editor):
    client = as_user(erin_editor)

    response = client.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json")

    assert response.status_code == 201, response.json()
    webhook = Webhook.objects.get()
    body = response.json()
    assert body == {
        "id": webhook.pk,
        "url": PUBLIC_URL,
        "events": EVENTS,
        "secret": webhook.secret,
        "active": True,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    later = client.get(f"/api/webhooks/{webhook.pk}/").json()
    assert "secret" not in later
    assert "secret" not in client.get("/api/webhooks/").json()["results"][0]
    assert (webhook.owner, webhook.token) == (erin_editor, None)


def test_creating_a_webhook_is_journaled_without_its_secret(as_user, erin_editor):
    as_user(erin_editor).post(
        "/api/webhooks/", {"url": PUBLIC_URL, "events": ["claim.published"]}, format="json"
    )
    webhook = Webhook.objects.get()

    entry = Entry.objects.get(kind="webhook")
    assert (entry.object_id, entry.action, entry.actor) == (webhook.pk, "created", erin_editor)
    assert entry.changes == [
        {"field": "url", "from": None, "to": PUBLIC_URL},
        {"field": "events", "from": None, "to": ["claim.published"]},
        {"field": "active", "from": None, "to": True},
    ]
    assert webhook.secret not in str(entry.changes)


def test_an_unknown_event_is_refused_naming_it(as_user, erin_editor):
    response = as_user(erin_editor).post(
        "/api/webhooks/",
        {"url": PUBLIC_URL, "events": ["claim.published", "claim.deleted"]},
        format="json",
    )

    assert response.status_code == 400
    assert "'claim.deleted'" in response.json()["errors"]["events"][0]
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:192.168.1.1]/hook",
    ],
)
def test_a_webhook_to_a_non_public_address_is_refused_naming_the_url(
    as_user, erin_editor, settings, url
):
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = False

    response = as_user(erin_editor).post(
        "/api/webhooks/", {"url": url, "events": ["claim.published"]}, format="json"
    )

    assert response.status_code == 400
    assert "non-public address" in response.json()["errors"]["url"][0]
    assert not Webhook.objects.exists()


def test_a_webhook_address_must_be_http(as_user, erin_editor):
    response = as_user(erin_editor).post(
        "/api/webhooks/", {"url": "ftp://93.184.215.14/x", "events": EVENTS}, format="json"
    )

    assert response.status_code == 400
    assert "http:// or https://" in response.json()["errors"]["url"][0]


def test_anonymous_requests_are_asked_to_log_in(api):
    assert api.get("/api/webhooks/").status_code == 401
    response = api.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json")
    assert response.status_code == 401


def test_a_journalist_may_not_have_webhooks(as_user, alice_journalist):
    client = as_user(alice_journalist)

    response = client.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json")

    assert response.status_code == 403
    assert "read-only API tokens" in response.json()["detail"]
    assert client.get("/api/webhooks/").status_code == 403


def test_a_read_only_partner_token_has_webhooks_of_its_own(
    token_client, alice_journalist, erin_editor, as_user
):
    partner = token_client(alice_journalist, read_only=True)
    other_token = token_client(alice_journalist, read_only=True)

    response = partner.post(
        "/api/webhooks/", {"url": PUBLIC_URL, "events": ["claim.published"]}, format="json"
    )

    assert response.status_code == 201
    webhook = Webhook.objects.get()
    assert webhook.token is not None and webhook.token.read_only
    assert [w["id"] for w in partner.get("/api/webhooks/").json()["results"]] == [webhook.pk]
    # Another token of the same person, and an editor, see none of it.
    assert other_token.get("/api/webhooks/").json()["results"] == []
    assert as_user(erin_editor).get(f"/api/webhooks/{webhook.pk}/").status_code == 404
    assert as_user(erin_editor).delete(f"/api/webhooks/{webhook.pk}/").status_code == 404


def test_an_editor_sees_only_their_own_webhooks(as_user, erin_editor, fred_editor):
    as_user(erin_editor).post(
        "/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json"
    )
    webhook = Webhook.objects.get()

    fred = as_user(fred_editor)

    assert fred.get("/api/webhooks/").json()["results"] == []
    assert (
        fred.patch(f"/api/webhooks/{webhook.pk}/", {"active": False}, format="json").status_code
        == 404
    )


def test_the_owner_changes_events_and_pauses_a_webhook_journaled(as_user, erin_editor):
    client = as_user(erin_editor)
    created = client.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json")
    pk = created.json()["id"]

    response = client.patch(
        f"/api/webhooks/{pk}/", {"events": ["claim.withdrawn"], "active": False}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["events"], response.json()["active"]) == (["claim.withdrawn"], False)
    assert "secret" not in response.json()
    entry = Entry.objects.filter(kind="webhook").latest("id")
    assert entry.action == "edited"
    assert entry.changes == [
        {"field": "events", "from": EVENTS, "to": ["claim.withdrawn"]},
        {"field": "active", "from": True, "to": False},
    ]
    refused = client.patch(f"/api/webhooks/{pk}/", {"events": ["nope"]}, format="json")
    assert refused.status_code == 400 and "'nope'" in refused.json()["errors"]["events"][0]


def test_rotating_the_secret_shows_the_new_one_once(as_user, erin_editor):
    client = as_user(erin_editor)
    first = client.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json")
    pk = first.json()["id"]

    response = client.post(f"/api/webhooks/{pk}/rotate-secret/")

    assert response.status_code == 200
    assert response.json()["secret"] != first.json()["secret"]
    assert response.json()["secret"] == Webhook.objects.get().secret
    assert Entry.objects.filter(kind="webhook").latest("id").action == "secret_rotated"


def test_deleting_a_webhook_removes_it_and_its_log_journaled(as_user, erin_editor):
    client = as_user(erin_editor)
    pk = client.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json").json()[
        "id"
    ]
    Delivery.objects.create(webhook_id=pk, event="claim.published", claim_id=1, at=timezone.now())

    assert client.delete(f"/api/webhooks/{pk}/").status_code == 204

    assert not Webhook.objects.exists() and not Delivery.objects.exists()
    assert Entry.objects.filter(kind="webhook", object_id=pk).latest("id").action == "deleted"


def deliveries(webhook: Webhook, count: int) -> list[Delivery]:
    made = []
    for number in range(count):
        delivery = Delivery.objects.create(
            webhook=webhook,
            event="claim.updated",
            claim_id=number + 1,
            at=timezone.now(),
            status="failed" if number % 2 else "succeeded",
            attempts=2,
        )
        for attempt in (1, 2):
            Attempt.objects.create(
                delivery=delivery,
                number=attempt,
                started_at=timezone.now(),
                duration_ms=12,
                status_code=500,
                error="The receiver answered HTTP 500.",
            )
        made.append(delivery)
    return made


def test_the_delivery_log_shows_each_delivery_with_its_attempts(as_user, erin_editor):
    client = as_user(erin_editor)
    pk = client.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json").json()[
        "id"
    ]
    (delivery,) = deliveries(Webhook.objects.get(pk=pk), 1)
    first = delivery.attempt_log.get(number=1)

    body = client.get(f"/api/webhooks/{pk}/deliveries/").json()

    assert body["next"] is None
    assert body["results"][0] == {
        "id": str(delivery.uuid),
        "event": "claim.updated",
        "claim": 1,
        "at": body["results"][0]["at"],
        "status": "succeeded",
        "attempts": [
            {
                "number": 1,
                "started_at": first.started_at.isoformat().replace("+00:00", "Z"),
                "duration_ms": 12,
                "status_code": 500,
                "error": "The receiver answered HTTP 500.",
                "response_excerpt": "",
                "next_attempt_at": None,
            },
            body["results"][0]["attempts"][1],
        ],
        "next_attempt_at": None,
        "redelivery_of": None,
        "created_at": body["results"][0]["created_at"],
    }
    assert body["results"][0]["attempts"][1]["number"] == 2


@pytest.mark.parametrize("count", [1, 30])
def test_the_delivery_log_query_count_does_not_grow_with_the_page(
    as_user, erin_editor, django_assert_num_queries, count
):
    client = as_user(erin_editor)
    pk = client.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json").json()[
        "id"
    ]
    deliveries(Webhook.objects.get(pk=pk), count)

    # session, user, the user's groups (the role), the webhook, the page of deliveries (with
    # what each redelivers), their attempts
    with django_assert_num_queries(6):
        response = client.get(f"/api/webhooks/{pk}/deliveries/?page_size=50")

    assert len(response.json()["results"]) == count


def test_the_delivery_log_is_cursor_paginated_newest_first(as_user, erin_editor):
    client = as_user(erin_editor)
    pk = client.post("/api/webhooks/", {"url": PUBLIC_URL, "events": EVENTS}, format="json").json()[
        "id"
    ]
    made = deliveries(Webhook.objects.get(pk=pk), 5)

    first = client.get(f"/api/webhooks/{pk}/deliveries/?page_size=3").json()
    second = client.get(first["next"]).json()

    seen = [d["id"] for d in first["results"] + second["results"]]
    assert seen == [str(d.uuid) for d in reversed(made)]
    assert second["next"] is None
