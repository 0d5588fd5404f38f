"""GET /api/notifications/, its cursor pages, marking read, and the mail preferences."""

import pytest
from rest_framework import serializers

from notifications.models import Notification

from .test_inbox import source_edited

pytestmark = pytest.mark.django_db


def at(notification) -> str:
    return serializers.DateTimeField().to_representation(notification.at)


def test_the_inbox_lists_the_person_s_notifications_whole(
    as_user, published, claim, alice_journalist
):
    notification = Notification.objects.get(recipient=alice_journalist)
    article = claim.appearances.get().capture.article

    response = as_user(alice_journalist).get("/api/notifications/")

    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": notification.pk,
                "kind": "published",
                "at": at(notification),
                "claim": claim.pk,
                "article": article.pk,
                "text": f"erin_editor published your annotation of “{claim.text}”.",
                "read": False,
            }
        ],
    }


def test_texts_are_in_the_person_s_chosen_language(as_user, published, claim, alice_journalist):
    client = as_user(alice_journalist)
    assert client.patch("/api/notifications/preferences/", {"language": "fr"}).status_code == 200

    (result,) = client.get("/api/notifications/").json()["results"]

    assert result["text"] == f"erin_editor a publié votre annotation de « {claim.text} »."


def test_cursor_pages_go_through_every_notification_once_newest_first(
    as_user, published, claim, alice_journalist
):
    for _ in range(4):
        source_edited(claim)
    expected = list(
        Notification.objects.filter(recipient=alice_journalist)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    client, url, seen = as_user(alice_journalist), "/api/notifications/?page_size=2", []
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 2
        seen += [result["id"] for result in body["results"]]
        url = body["next"]

    assert seen == expected and len(seen) == 5


@pytest.mark.parametrize("page_size", [1, 100])
def test_the_inbox_costs_the_same_queries_however_many_and_whatever_the_page_size(
    as_user, django_assert_num_queries, published, claim, alice_journalist, page_size
):
    client = as_user(alice_journalist)
    for count in (1, 30):
        while Notification.objects.filter(recipient=alice_journalist).count() < count:
            source_edited(claim)
        # session; user; their roles (the visibility policy asks); their preferences (the
        # language); the page of notifications with actor, claim and article (visibility as a
        # subquery).
        with django_assert_num_queries(5):
            results = client.get(f"/api/notifications/?page_size={page_size}").json()["results"]
        assert len(results) == min(count, page_size)


def test_marking_one_read(as_user, published, alice_journalist):
    notification = Notification.objects.get(recipient=alice_journalist)
    client = as_user(alice_journalist)

    response = client.post(f"/api/notifications/{notification.pk}/read/")

    assert response.status_code == 200
    assert response.json()["id"] == notification.pk and response.json()["read"] is True
    assert client.get(f"/api/notifications/{notification.pk}/").json()["read"] is True
    # Again: nothing changes.
    notification.refresh_from_db()
    first = notification.read_at
    assert client.post(f"/api/notifications/{notification.pk}/read/").status_code == 200
    notification.refresh_from_db()
    assert notification.read_at == first


def test_marking_all_read_says_how_many(as_user, published, claim, alice_journalist, erin_editor):
    source_edited(claim)
    client = as_user(alice_journalist)

    assert client.post("/api/notifications/read/").json() == {"marked": 2}
    assert client.post("/api/notifications/read/").json() == {"marked": 0}
    assert [r["read"] for r in client.get("/api/notifications/").json()["results"]] == [True] * 2
    # Erin's are hers: untouched.
    assert Notification.objects.filter(recipient=erin_editor, read_at__isnull=True).count() == 2


def test_someone_else_s_notification_is_not_found(
    as_user, published, alice_journalist, bob_journalist
):
    notification = Notification.objects.get(recipient=alice_journalist)
    client = as_user(bob_journalist)

    assert client.get(f"/api/notifications/{notification.pk}/").status_code == 404
    assert client.post(f"/api/notifications/{notification.pk}/read/").status_code == 404
    assert client.get("/api/notifications/").json()["results"] == []
    notification.refresh_from_db()
    assert notification.read_at is None


def test_anonymous_visitors_are_asked_to_log_in(api):
    for response in (
        api.get("/api/notifications/"),
        api.post("/api/notifications/read/"),
        api.get("/api/notifications/preferences/"),
    ):
        assert response.status_code == 401
        assert response.json()["detail"] == "Log in to read your notifications."


def test_a_read_only_token_reads_the_inbox_but_marks_nothing(
    token_client, published, alice_journalist
):
    client = token_client(alice_journalist, read_only=True)

    assert len(client.get("/api/notifications/").json()["results"]) == 1
    assert client.post("/api/notifications/read/").status_code == 403
    assert client.patch("/api/notifications/preferences/", {"email": "never"}).status_code == 403


def test_preferences_default_to_immediately_in_english_and_change_one_at_a_time(
    as_user, alice_journalist
):
    client = as_user(alice_journalist)
    url = "/api/notifications/preferences/"

    assert client.get(url).json() == {"email": "immediately", "language": "en"}
    assert client.patch(url, {"email": "daily"}).json() == {"email": "daily", "language": "en"}
    assert client.patch(url, {"language": "fr"}).json() == {"email": "daily", "language": "fr"}
    assert client.get(url).json() == {"email": "daily", "language": "fr"}


def test_preferences_refuse_what_is_not_offered(as_user, alice_journalist):
    response = as_user(alice_journalist).patch(
        "/api/notifications/preferences/", {"email": "hourly", "language": "de"}
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "language"}
