"""Watching as it runs: a loopback news site whose feed gains an item and whose article page
changes, and two real `manage.py worker` processes on PostgreSQL, with no other process; each
item is archived once and the changed page captured again."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from archive.models import Article
from tests.factories import editor
from watching import services
from watching.models import Watch, WatchItem

from .conftest import rss, story, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def start_workers(count: int, database_url: str) -> list[subprocess.Popen]:
    environment = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url,
        "CLAIMDESK_TASK_BACKEND": "database",
        "CLAIMDESK_FETCH_ALLOW_PRIVATE": "1",
        "CLAIMDESK_SCHEDULE_INTERVAL": "0.5",
    }
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--worker-id", f"watch-e2e-{n}"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def checked_since(watch: Watch, moment) -> bool:
    watch.refresh_from_db()
    return watch.last_checked_at is not None and watch.last_checked_at > moment


def test_two_workers_watch_a_changing_news_site(news):
    if connection.vendor != "postgresql":
        pytest.skip("two worker processes need a database they share: PostgreSQL")
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    erin = editor("erin_editor")
    first = news.serve("/a/1", story("Première", "Bichkek annule l’exercice.\nSans raison."))
    news.serve("/feed.xml", rss([("urn:1", first, "Première")]))
    feed = services.create_watch(actor=erin, url=news.url("/feed.xml"), kind="feed")
    page = services.create_watch(actor=erin, url=first, kind="page")
    workers = start_workers(2, database_url)
    try:
        assert wait_until(lambda: checked_since(feed, feed.created_at), timeout=120)
        assert wait_until(lambda: checked_since(page, page.created_at), timeout=60)
        assert Article.objects.count() == 1

        # The site moves on: a second story in the feed, the first one edited.
        second = news.serve("/a/2", story("Seconde", "Moscou regrette.\nLe ministère se tait."))
        news.serve("/feed.xml", rss([("urn:2", second, "Seconde"), ("urn:1", first, "Première")]))
        news.serve(
            "/a/1", story("Première", "Bichkek annule l’exercice.\nLa raison reste inconnue.")
        )
        moment = timezone.now()
        services.check_watch_now(actor=erin, watch=feed)
        services.check_watch_now(actor=erin, watch=page)
        assert wait_until(lambda: checked_since(feed, moment), timeout=60)
        assert wait_until(lambda: checked_since(page, moment), timeout=60)
    finally:
        stop(workers)
    errors = [worker.stderr.read() for worker in workers]

    assert all(worker.returncode is not None for worker in workers), errors
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
