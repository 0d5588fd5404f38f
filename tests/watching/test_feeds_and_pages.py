"""Checking watches as a worker does: feeds (RSS, Atom) whose new items are archived once each,
pages captured again only when their text changed, back-off on errors, the fetch guard."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.actors import WATCHER
from archive.models import Article, Capture
from journal.models import Entry
from tests.factories import SourceFactory
from watching.models import Watch, WatchItem
from watching.schedule import MAX_BACKOFF, backoff, run_due, take

from .conftest import atom, rss, story

pytestmark = pytest.mark.django_db

TEXT_A = "Bichkek annule l’exercice de l’OTSC.\nAucune raison officielle n’a été donnée."
TEXT_B = "Moscou regrette la décision.\nLe ministère n’a pas commenté."


def feed_watch(url: str, **fields) -> Watch:
    return Watch.objects.create(url=url, kind="feed", next_check_at=timezone.now(), **fields)


def test_an_rss_feeds_items_are_archived_with_the_watchs_source(news):
    source = SourceFactory(slug="le-journal")
    one = news.serve("/a/1", story("Première", TEXT_A))
    two = news.serve("/a/2", story("Seconde", TEXT_B))
    feed = news.serve(
        "/feed.xml",
        rss([("urn:g2", two, "Seconde"), ("urn:g1", one, "Première")]),
        content_type="application/rss+xml",
    )
    watch = feed_watch(feed, source=source)

    assert run_due() == 1

    articles = Article.objects.order_by("pk")
    assert [(a.url, a.title, a.source_id) for a in articles] == [
        (one, "Première", source.pk),
        (two, "Seconde", source.pk),
    ]
    watch.refresh_from_db()
    assert watch.articles_found == 2
    assert watch.last_error == ""
    assert watch.last_checked_at is not None
    assert watch.next_check_at == watch.last_checked_at + dt.timedelta(seconds=3600)
    assert watch.leased_until is None
    # The captures are the watcher's, in the journal like any other.
    assert set(Capture.objects.values_list("captured_by_name", flat=True)) == {WATCHER.name}
    assert Entry.objects.filter(kind="capture", actor_name=WATCHER.name).count() == 2


def test_a_feeds_items_are_archived_once_and_a_new_item_on_a_later_check(news):
    one = news.serve("/a/1", story("Première", TEXT_A))
    feed = news.serve("/feed.xml", rss([("urn:g1", one, "Première")]))
    watch = feed_watch(feed)
    run_due()
    two = news.serve("/a/2", story("Seconde", TEXT_B))
    news.serve("/feed.xml", rss([("urn:g2", two, "Seconde"), ("urn:g1", one, "Première")]))
    Watch.objects.filter(pk=watch.pk).update(next_check_at=timezone.now())

    run_due()

    assert Article.objects.count() == 2
    assert news.hits["/a/1"] == 1  # not fetched again: its guid was seen
    assert list(WatchItem.objects.order_by("pk").values_list("key", flat=True)) == [
        "urn:g1",
        "urn:g2",
    ]
    watch.refresh_from_db()
    assert watch.articles_found == 2


def test_an_atom_feed_is_read_like_rss(news):
    one = news.serve("/a/1", story("Première", TEXT_A))
    feed = news.serve(
        "/atom.xml", atom([("urn:1", one, "Première")]), content_type="application/atom+xml"
    )
    feed_watch(feed)

    run_due()

    assert WatchItem.objects.get().key == "urn:1"
    assert Article.objects.get().url == one


def test_an_item_already_archived_by_someone_is_linked_not_fetched(news):
    one = news.serve("/a/1", story("Première", TEXT_A))
    feed = news.serve("/feed.xml", rss([("urn:g1", one, "Première")]))
    article = Article.objects.create(url=one, title="Première")
    feed_watch(feed)

    run_due()

    assert "/a/1" not in news.hits
    assert WatchItem.objects.get().article == article


def test_an_item_that_cannot_be_archived_is_named_and_tried_again(news):
    gone = news.url("/a/gone")
    feed = news.serve("/feed.xml", rss([("urn:g1", gone, "Disparu")]))
    watch = feed_watch(feed)

    run_due()

    watch.refresh_from_db()
    assert watch.last_error == (
        "1 of 1 new items could not be archived (tried again at the next check): "
        f"{gone}: the server answered HTTP 404"
    )
    # The feed itself was read: no back-off.
    assert watch.failures == 0
    assert not WatchItem.objects.exists()


def test_a_page_watch_captures_again_only_when_the_text_changed(news):
    page = news.serve("/a/1", story("Première", TEXT_A))
    watch = Watch.objects.create(url=page, kind="page", next_check_at=timezone.now())
    run_due()
    article = Article.objects.get()
    assert article.captures.count() == 1

    Watch.objects.filter(pk=watch.pk).update(next_check_at=timezone.now())
    run_due()
    assert article.captures.count() == 1

    news.serve("/a/1", story("Première", TEXT_A + "\nMise à jour : Bichkek a répondu."))
    Watch.objects.filter(pk=watch.pk).update(next_check_at=timezone.now())
    run_due()
    assert article.captures.count() == 2
    watch.refresh_from_db()
    assert watch.articles_found == 1


def test_a_failing_watch_backs_off_doubling_up_to_a_day_and_says_why(news):
    watch = feed_watch(news.url("/missing.xml"), interval_seconds=3600)

    run_due()
    watch.refresh_from_db()
    assert watch.last_error == "the server answered HTTP 404"
    assert watch.failures == 1
    assert watch.next_check_at == watch.last_checked_at + dt.timedelta(seconds=7200)

    Watch.objects.filter(pk=watch.pk).update(next_check_at=timezone.now())
    run_due()
    watch.refresh_from_db()
    assert watch.failures == 2
    assert watch.next_check_at == watch.last_checked_at + dt.timedelta(seconds=14400)

    news.serve("/missing.xml", rss([]))
    Watch.objects.filter(pk=watch.pk).update(next_check_at=timezone.now())
    run_due()
    watch.refresh_from_db()
    assert (watch.failures, watch.last_error) == (0, "")
    assert watch.next_check_at == watch.last_checked_at + dt.timedelta(seconds=3600)


def test_back_off_is_capped_at_a_day():
    assert [backoff(3600, n) for n in (0, 1, 2, 3, 4, 5, 9)] == [
        3600,
        7200,
        14400,
        28800,
        57600,
        MAX_BACKOFF,
        MAX_BACKOFF,
    ]


def test_what_is_not_a_feed_is_said_plainly(news):
    watch = feed_watch(news.serve("/page", story("Accueil", TEXT_A)))

    run_due()

    watch.refresh_from_db()
    assert watch.last_error.startswith("not an RSS or Atom feed")
    assert watch.failures == 1


def test_a_watch_on_a_private_address_is_refused_at_check_time(news, settings):
    watch = feed_watch(news.serve("/feed.xml", rss([])))
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = False

    run_due()

    watch.refresh_from_db()
    assert watch.last_error == (
        "127.0.0.1 is a non-public address (127.0.0.1); fetching it is not allowed"
    )
    assert "/feed.xml" not in news.hits


def test_paused_and_not_yet_due_watches_are_left_alone(news):
    feed = news.serve("/feed.xml", rss([]))
    feed_watch(feed, active=False)
    Watch.objects.create(
        url=feed + "?later", kind="feed", next_check_at=timezone.now() + dt.timedelta(hours=1)
    )

    assert run_due() == 0
    assert news.hits == {}


def test_a_leased_watch_is_not_taken_again_until_its_lease_runs_out():
    watch = feed_watch("https://example.org/feed.xml")

    assert take(Watch) == watch
    assert take(Watch) is None  # another worker looking now finds nothing

    Watch.objects.filter(pk=watch.pk).update(
        leased_until=timezone.now() - dt.timedelta(seconds=1)  # its worker died
    )
    assert take(Watch) == watch
