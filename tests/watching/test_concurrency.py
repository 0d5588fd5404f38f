"""Two workers at once on PostgreSQL: each due watch is taken by one of them (SKIP LOCKED), and
a story two watches both list is archived once."""

import threading

from django.db import connections
from django.utils import timezone

from archive.models import Article, Capture
from tests.e2e import E2E_DB, POSTGRESQL_ONLY
from watching.models import Watch, WatchItem
from watching.schedule import run_due

from .conftest import rss, story

# SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time.
pytestmark = [POSTGRESQL_ONLY, E2E_DB]


def test_two_workers_racing_check_each_watch_once_and_archive_each_story_once(news):
    links = [
        news.serve(f"/a/{n}", story(f"Article {n}", f"Texte de l’article {n}.\nSuite {n}."))
        for n in range(6)
    ]
    items = [(f"urn:story:{n}", link, f"Article {n}") for n, link in enumerate(links)][::-1]
    # Two feeds of the same outlet listing the same stories (a section and the front page).
    for path in ("/front.xml", "/section.xml"):
        Watch.objects.create(
            url=news.serve(path, rss(items)), kind="feed", next_check_at=timezone.now()
        )
    start = threading.Barrier(2)
    checked = []

    def worker():
        try:
            start.wait()
            checked.append(run_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(checked) == [1, 1]  # one watch each
    assert Article.objects.count() == 6
    assert Capture.objects.count() == 6
    for watch in Watch.objects.all():
        assert watch.last_error == ""
        assert WatchItem.objects.filter(watch=watch).count() == 6
    assert sum(Watch.objects.values_list("articles_found", flat=True)) == 12
