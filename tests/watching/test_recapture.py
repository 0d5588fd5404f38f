"""Re-capture of fact-checked articles: the decaying schedule from CLAIMDESK_RECAPTURE_AFTER,
who is enrolled, identical text (the check recorded, no capture) and changed text (a new
capture the claims follow)."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from annotations.models import Annotation, Appearance
from archive.models import Capture
from journal.models import Entry
from tests.factories import AnnotationFactory, AppearanceFactory, CaptureFactory
from watching.models import Recapture
from watching.schedule import enrol_fact_checked, next_recapture_at, run_due

from .conftest import story

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def test_the_schedule_decays_from_the_first_capture(settings):
    settings.CLAIMDESK_RECAPTURE_AFTER = (3600, 21600, 86400)

    assert next_recapture_at(T0, T0) == T0 + dt.timedelta(hours=1)
    assert next_recapture_at(T0, T0 + dt.timedelta(hours=1)) == T0 + dt.timedelta(hours=6)
    assert next_recapture_at(T0, T0 + dt.timedelta(hours=7)) == T0 + dt.timedelta(days=1)
    assert next_recapture_at(T0, T0 + dt.timedelta(days=1)) is None


def test_the_default_schedule_is_an_hour_to_a_month(settings):
    assert settings.CLAIMDESK_RECAPTURE_AFTER == (3600, 21600, 86400, 259200, 604800, 2592000)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3600,soon", "CLAIMDESK_RECAPTURE_AFTER must be whole numbers of seconds > 0"),
        ("86400,3600", "CLAIMDESK_RECAPTURE_AFTER must list its delays in increasing order"),
    ],
)
def test_a_bad_schedule_stops_start_up_with_a_clear_error(value, message):
    environment = {**os.environ, "CLAIMDESK_RECAPTURE_AFTER": value, "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
    assert repr(value) in result.stderr


def fact_checked(url: str, *, status=Annotation.Status.PUBLISHED) -> Capture:
    capture = CaptureFactory(article__url=url, captured_at=T0)
    appearance = AppearanceFactory(capture=capture)
    AnnotationFactory(
        claim=appearance.claim,
        status=status,
        published_at=timezone.now() if status == Annotation.Status.PUBLISHED else None,
    )
    return capture


def test_articles_holding_a_published_claim_are_enrolled_once(settings):
    settings.CLAIMDESK_RECAPTURE_AFTER = (3600, 10**9)
    published = fact_checked("https://example.org/published")
    fact_checked("https://example.org/draft", status=Annotation.Status.DRAFT)

    assert enrol_fact_checked() == 1
    assert enrol_fact_checked() == 0

    recapture = Recapture.objects.get()
    assert recapture.article == published.article
    assert recapture.next_check_at == T0 + dt.timedelta(seconds=10**9)


def test_an_article_past_its_schedule_is_checked_once_now(settings):
    settings.CLAIMDESK_RECAPTURE_AFTER = (3600,)
    fact_checked("https://example.org/old")

    enrol_fact_checked()

    assert Recapture.objects.get().next_check_at <= timezone.now()


def test_identical_text_records_the_check_and_stores_no_capture(news, settings):
    settings.CLAIMDESK_RECAPTURE_AFTER = (3600, 10**9)
    url = news.url("/a/1")
    capture = fact_checked(url)
    news.serve("/a/1", story(capture.article.title, capture.text))
    Recapture.objects.create(article=capture.article, scheduled=True, next_check_at=timezone.now())
    run_due()  # the page as the extractor reads it: a capture of its own
    Recapture.objects.update(next_check_at=timezone.now())

    assert run_due() == 1

    assert capture.article.captures.count() == 2
    recapture = Recapture.objects.get()
    assert (recapture.checks, recapture.captures, recapture.last_error) == (2, 1, "")
    assert recapture.next_check_at == T0 + dt.timedelta(seconds=10**9)
    entry = Entry.objects.get(kind="article", action="checked")
    assert (entry.object_id, entry.actor_name) == (capture.article_id, "watcher")


def test_changed_text_is_a_new_capture_the_claim_follows(news, settings):
    settings.CLAIMDESK_RECAPTURE_AFTER = (3600, 10**9)
    url = news.url("/a/1")
    capture = fact_checked(url)
    news.serve("/a/1", story(capture.article.title, "Un chapeau ajouté.\n" + capture.text))
    Recapture.objects.create(article=capture.article, scheduled=True, next_check_at=timezone.now())

    run_due()

    latest = capture.article.captures.latest()
    assert latest.pk != capture.pk
    assert latest.captured_by_name == "watcher"
    appearance = Appearance.objects.get()
    assert appearance.capture == latest  # re-anchored onto the new text
    recapture = Recapture.objects.get()
    assert (recapture.checks, recapture.captures) == (1, 1)
    assert not Entry.objects.filter(action="checked").exists()


def test_a_failed_recapture_says_why_and_is_tried_again_later(news):
    capture = fact_checked(news.url("/gone"))
    Recapture.objects.create(article=capture.article, next_check_at=timezone.now())

    run_due()

    recapture = Recapture.objects.get()
    assert (
        recapture.last_error
        == f"Fetching {news.url('/gone')} failed: the server answered HTTP 404."
    )
    assert recapture.failures == 1
    assert recapture.next_check_at == recapture.last_checked_at + dt.timedelta(seconds=600)


def test_an_article_fetched_on_demand_only_is_not_put_on_the_schedule(news):
    capture = CaptureFactory(article__url=news.url("/a/1"), captured_at=T0)
    news.serve("/a/1", story(capture.article.title, capture.text))
    Recapture.objects.create(article=capture.article, next_check_at=timezone.now())

    run_due()

    recapture = Recapture.objects.get()
    assert (recapture.checks, recapture.next_check_at, recapture.scheduled) == (1, None, False)


def test_an_article_asked_for_then_fact_checked_joins_the_schedule(settings):
    settings.CLAIMDESK_RECAPTURE_AFTER = (3600, 10**9)
    capture = fact_checked("https://example.org/later")
    Recapture.objects.create(article=capture.article, next_check_at=None)

    assert enrol_fact_checked() == 1

    recapture = Recapture.objects.get()
    assert recapture.scheduled is True
    assert recapture.next_check_at == T0 + dt.timedelta(seconds=10**9)
