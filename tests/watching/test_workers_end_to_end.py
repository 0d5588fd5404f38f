"""Watching as it runs: a loopback news site whose feed gains an item and whose article page
changes, and two real `manage.py worker` processes on PostgreSQL, with no other process; each
item is archived once and the changed page captured again."""

import pytest
from django.utils import timezone

from archive.models import Article
from tests.e2e import E2E_DB, POSTGRESQL_ONLY, rss, story, wait_for
from tests.factories import editor
from watching import services
from watching.models import Watch, WatchItem

pytestmark = [pytest.mark.slow, POSTGRESQL_ONLY, E2E_DB]


def checked_since(watch: Watch, moment) -> bool:
    watch.refresh_from_db()
    return watch.last_checked_at is not None and watch.last_checked_at > moment


def test_two_workers_watch_a_changing_news_site(news, workers):
    erin = editor("erin_editor")
    first = news.serve("/a/1", story("Première", "Bichkek annule l’exercice.\nSans raison."))
    news.serve("/feed.xml", rss([("urn:1", first, "Première")]))
    feed = services.create_watch(actor=erin, url=news.url("/feed.xml"), kind="feed")
    page = services.create_watch(actor=erin, url=first, kind="page")
    running = workers(2, name="watch-e2e")
    wait_for(
        "the feed's first check",
        lambda: checked_since(feed, feed.created_at),
        timeout=120,
        workers=running,
    )
    wait_for(
        "the page's first check",
        lambda: checked_since(page, page.created_at),
        timeout=60,
        workers=running,
    )
    assert Article.objects.count() == 1

    # The site moves on: a second story in the feed, the first one edited.
    second = news.serve("/a/2", story("Seconde", "Moscou regrette.\nLe ministère se tait."))
    news.serve("/feed.xml", rss([("urn:2", second, "Seconde"), ("urn:1", first, "Première")]))
    news.serve("/a/1", story("Première", "Bichkek annule l’exercice.\nLa raison reste inconnue."))
    moment = timezone.now()
    services.check_watch_now(actor=erin, watch=feed)
    services.check_watch_now(actor=erin, watch=page)
    wait_for("the feed's check on demand", lambda: checked_since(feed, moment), workers=running)
    wait_for("the page's check on demand", lambda: checked_since(page, moment), workers=running)
    running.stop()

    assert all(p.returncode is not None for p in running.processes), running.logged()
    assert sorted(Article.objects.values_list("url", flat=True)) == sorted([first, second])
    assert list(WatchItem.objects.order_by("key").values_list("key", flat=True)) == [
        "urn:1",
        "urn:2",
    ]
    assert news.hits["/a/2"] == 1  # fetched once, by one of the two workers
    texts = list(
        Article.objects.get(url=first)
        .captures.order_by("captured_at")
        .values_list("text", flat=True)
    )
    assert len(texts) == 2 and "La raison reste inconnue." in texts[-1]
    assert Article.objects.get(url=second).captures.count() == 1
    feed.refresh_from_db()
    page.refresh_from_db()
    assert (feed.last_error, page.last_error) == ("", "")
