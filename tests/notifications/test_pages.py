"""The inbox page, the unread count in the navigation, and the notification settings beside
"Your name" — in English and French."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification, Preference

from .test_inbox import source_edited

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
# The unread count beside "Menu" and beside "Inbox" in it.
NAV_COUNT = (
    '<span class="nav-count"><span class="visually-hidden">(</span>{}<span class="visually-hidden">'
)


def test_the_inbox_page_shows_the_notifications_and_the_unread_count(
    client, published, claim, alice_journalist
):
    client.force_login(alice_journalist)

    html = client.get("/inbox/").content.decode()

    assert "erin_editor published your annotation of “Aucune raison officielle" in html
    assert NAV_COUNT.format(1) in html and "1 unread" in html
    assert f'href="/claims/{claim.pk}/"' in html
    assert "Mark all read" in html


def test_the_inbox_page_speaks_french(client, published, claim, alice_journalist):
    client.force_login(alice_journalist)

    html = client.get("/inbox/", **FRENCH).content.decode()

    assert "erin_editor a publié votre annotation de « Aucune raison officielle" in html
    assert "1 non lue" in html and NAV_COUNT.format(1) in html
    assert "Tout marquer comme lu" in html and "Ouvrir l’affirmation" in html


def test_every_page_shows_a_signed_in_person_s_unread_count_for_one_count_query(
    client, published, claim, alice_journalist
):
    source_edited(claim)
    client.force_login(alice_journalist)

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/claims/").content.decode()

    assert NAV_COUNT.format(2) in html
    counts = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and counts[0].startswith("SELECT COUNT(*)")


def test_no_count_for_anonymous_visitors_and_none_shown_at_zero(client, alice_journalist):
    with CaptureQueriesContext(connection) as queries:
        anonymous = client.get("/claims/").content.decode()
    assert not [q for q in queries if "notifications_notification" in q["sql"]]
    assert "/inbox/" not in anonymous

    client.force_login(alice_journalist)
    html = client.get("/claims/").content.decode()
    assert 'href="/inbox/"' in html and 'class="nav-count"' not in html


def test_the_inbox_page_costs_the_same_queries_however_many_notifications(
    client, django_assert_num_queries, published, claim, alice_journalist
):
    client.force_login(alice_journalist)
    for count in (1, 30):
        while Notification.objects.filter(recipient=alice_journalist).count() < count:
            source_edited(claim)
        # session; user; roles (visibility); the page's count (Paginator) and its rows; the
        # unread count (once, for the navigation and the heading).
        with django_assert_num_queries(6):
            assert client.get("/inbox/").status_code == 200


def test_marking_read_from_the_page(client, published, claim, alice_journalist):
    source_edited(claim)
    first, second = Notification.objects.filter(recipient=alice_journalist).order_by("id")
    client.force_login(alice_journalist)

    assert client.post(f"/inbox/{first.pk}/read/").url == "/inbox/"
    first.refresh_from_db()
    assert first.read and NAV_COUNT.format(1) in client.get("/inbox/").content.decode()

    response = client.post("/inbox/read/", follow=True)
    assert "1 notification marked read." in response.content.decode()
    second.refresh_from_db()
    assert second.read


def test_someone_else_s_notification_cannot_be_marked_from_the_page(
    client, published, alice_journalist, bob_journalist
):
    notification = Notification.objects.get(recipient=alice_journalist)
    client.force_login(bob_journalist)

    assert client.post(f"/inbox/{notification.pk}/read/").status_code == 404
    notification.refresh_from_db()
    assert not notification.read


def test_the_inbox_asks_anonymous_visitors_to_log_in(client):
    assert client.get("/inbox/").url.startswith("/accounts/login/")


def test_an_empty_inbox_says_what_will_arrive(client, alice_journalist):
    client.force_login(alice_journalist)

    html = client.get("/inbox/").content.decode()

    assert "Nothing yet." in html and "Mark all read" not in html


def test_the_settings_page_sets_how_notifications_are_mailed(client, alice_journalist):
    client.force_login(alice_journalist)
    page = client.get("/accounts/name/").content.decode()
    assert 'id="notifications"' in page
    assert 'value="immediately" ' in page and "checked" in page.split('value="immediately"')[1][:40]

    response = client.post(
        "/accounts/notifications/", {"email": "daily", "language": "fr"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/accounts/name/#notifications"
    assert "Your notification settings are saved." in response.content.decode()
    assert Preference.objects.filter(person=alice_journalist).values_list(
        "email", "language"
    ).get() == ("daily", "fr")


def test_the_settings_page_offers_the_choices_in_french(client, alice_journalist):
    client.force_login(alice_journalist)

    page = client.get("/accounts/name/", **FRENCH).content.decode()

    for label in (
        "M’envoyer mes notifications par courriel",
        "immédiatement",
        "un résumé quotidien",
        "jamais",
    ):
        assert label in page
    # Until she chooses, the mails' language offered is the one she reads in.
    assert '<option value="fr" selected>' in page


def test_the_settings_page_refuses_a_choice_not_offered(client, alice_journalist):
    client.force_login(alice_journalist)

    response = client.post("/accounts/notifications/", {"email": "hourly", "language": "en"})

    assert response.status_code == 400
    assert not Preference.objects.filter(person=alice_journalist).exists()
