"""The Watches page (editors), the reader's "Re-capture now", and a source's watches in the
admin."""

import pytest
from django.utils import timezone

from tests.factories import ArticleFactory, CaptureFactory, SourceFactory
from watching.models import Recapture, Watch

pytestmark = pytest.mark.django_db

FEED = "https://news.example.org/feed.xml"


def test_the_watches_page_shows_each_watch_with_its_status_and_last_error(client, erin_editor):
    source = SourceFactory(name="Le Journal")
    Watch.objects.create(
        url=FEED,
        kind="feed",
        source=source,
        last_checked_at=timezone.now(),
        last_error="the server answered HTTP 503",
    )
    Watch.objects.create(url="https://news.example.org/page", kind="page", active=False)
    client.force_login(erin_editor)

    response = client.get("/watches/")

    assert response.status_code == 200
    page = response.content.decode()
    assert FEED in page and "Le Journal" in page
    assert "the server answered HTTP 503" in page
    assert "Failing" in page and "Paused" in page
    assert "every hour" in page
    assert page.count('name="active" value="true"') == 1  # Resume, for the paused one


def test_the_watches_page_is_in_french_too(client, erin_editor):
    Watch.objects.create(url=FEED, kind="feed")
    client.force_login(erin_editor)

    page = client.get("/watches/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Veilles" in page and "Vérifier maintenant" in page and "toutes les heures" in page


def test_journalists_do_not_get_the_watches_page(client, alice_journalist):
    client.force_login(alice_journalist)

    assert client.get("/watches/").status_code == 403


def test_editors_find_the_watches_page_in_the_menu(client, erin_editor, alice_journalist):
    client.force_login(erin_editor)
    assert 'href="/watches/"' in client.get("/articles/").content.decode()
    client.force_login(alice_journalist)
    assert 'href="/watches/"' not in client.get("/articles/").content.decode()


def test_an_editor_adds_a_watch_from_the_page(client, erin_editor):
    SourceFactory(slug="le-journal")
    client.force_login(erin_editor)

    response = client.post(
        "/watches/",
        {"url": FEED, "kind": "feed", "source": "le-journal", "interval_seconds": "900"},
    )

    assert response.status_code == 302
    watch = Watch.objects.get()
    assert (watch.url, watch.source.slug, watch.interval_seconds) == (FEED, "le-journal", 900)


def test_a_private_address_is_refused_on_the_form_saying_why(client, erin_editor):
    client.force_login(erin_editor)

    response = client.post(
        "/watches/", {"url": "http://127.0.0.1/feed", "kind": "feed", "interval_seconds": "3600"}
    )

    assert response.status_code == 400
    assert "non-public address" in response.content.decode()
    assert not Watch.objects.exists()


def test_pause_resume_and_check_now_from_the_page(client, erin_editor):
    later = timezone.now() + timezone.timedelta(hours=1)
    watch = Watch.objects.create(url=FEED, kind="feed", next_check_at=later)
    client.force_login(erin_editor)

    client.post(f"/watches/{watch.pk}/active/", {"active": "false"})
    watch.refresh_from_db()
    assert watch.active is False
    client.post(f"/watches/{watch.pk}/active/", {"active": "true"})
    watch.refresh_from_db()
    assert watch.active is True

    Watch.objects.filter(pk=watch.pk).update(next_check_at=later)
    response = client.post(f"/watches/{watch.pk}/check/")
    assert response.status_code == 302
    watch.refresh_from_db()
    assert watch.next_check_at <= timezone.now()


def test_the_reader_offers_re_capture_to_editors_only(client, erin_editor, alice_journalist):
    capture = CaptureFactory()
    reader = f"/articles/{capture.article_id}/"
    client.force_login(alice_journalist)
    assert "Re-capture now" not in client.get(reader).content.decode()

    client.force_login(erin_editor)
    assert "Re-capture now" in client.get(reader).content.decode()
    response = client.post(f"/articles/{capture.article_id}/recapture/")

    assert response.status_code == 302
    assert Recapture.objects.get().article == capture.article


def test_an_article_with_no_address_has_no_re_capture_button(client, erin_editor):
    capture = CaptureFactory(article=ArticleFactory(url=""))
    client.force_login(erin_editor)

    assert "Re-capture now" not in client.get(f"/articles/{capture.article_id}/").content.decode()


def test_a_sources_admin_page_lists_its_watches(client, adam_admin):
    source = SourceFactory()
    Watch.objects.create(url=FEED, kind="feed", source=source, last_error="HTTP 503")
    client.force_login(adam_admin)

    page = client.get(f"/admin/archive/source/{source.pk}/change/").content.decode()

    assert FEED in page and "HTTP 503" in page
    assert f"/watches/?source={source.slug}#add-watch" in page
