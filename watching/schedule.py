"""The watching the workers do between jobs (`run_due`, registered with `core.schedule`): due
watches and due re-captures, each taken by a lease so that with any number of workers each is
done once, and a worker killed mid-check leaves a lease that runs out, after which another takes
it. The lease is taken with `SELECT … FOR UPDATE SKIP LOCKED` where the database has it
(PostgreSQL), else (SQLite, one writer at a time) by a compare-and-set update. Every fetch goes
through the archive's guarded fetcher (public addresses only, size limit, deadline)."""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Min, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

import journal.services as journal
from accounts.actors import WATCHER
from annotations.models import Annotation
from archive import services as archive
from archive.ingest.documents import IngestError
from archive.ingest.fetch import fetch, fetch_url
from archive.models import Article
from archive.validation import as_text

from .feeds import NotAFeed, read_feed
from .models import Recapture, Watch, WatchItem

logger = logging.getLogger("watching")

# A check that fails waits its interval doubled at each failure in a row, up to a day.
MAX_BACKOFF = 86400
# New items archived from one feed in one check (each a fetch); the rest wait for the next.
MAX_NEW_ITEMS = 50
# Failing re-captures are tried again after this many seconds, doubled at each failure.
RECAPTURE_RETRY = 300
FEED_TYPES = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


def lease_seconds() -> float:
    """How long a worker holds what it took: two fetches' deadlines and a margin; renewed
    before each fetch, so a feed of many items stays with the worker reading it."""
    return 2 * settings.CLAIMDESK_FETCH_TIMEOUT + 60


def backoff(interval: float, failures: int) -> float:
    """Seconds to wait after `failures` failed checks in a row (0: the plain interval)."""
    if not failures:
        return interval
    return max(interval, min(interval * 2**failures, MAX_BACKOFF))


def next_recapture_at(first_captured_at: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """When an article first captured at `first_captured_at` is next re-captured after `now`,
    by CLAIMDESK_RECAPTURE_AFTER; None once its schedule is over."""
    for delay in settings.CLAIMDESK_RECAPTURE_AFTER:
        due = first_captured_at + dt.timedelta(seconds=delay)
        if due > now:
            return due
    return None


def run_due() -> int:
    """Enrol the newly fact-checked articles, then check every due watch and re-capture, one
    at a time; how many were checked."""
    enrol_fact_checked()
    done = 0
    while True:
        watch = take(Watch)
        if watch is not None:
            check_watch(watch)
            done += 1
            continue
        recapture = take(Recapture)
        if recapture is not None:
            check_recapture(recapture)
            done += 1
            continue
        return done


def take(model: type[models.Model]):
    """One due row of `model` (Watch or Recapture), leased to this worker; None when none is
    due (or every due one is another worker's)."""
    while True:
        now = timezone.now()
        until = now + dt.timedelta(seconds=lease_seconds())
        due = model.objects.due(now).order_by("next_check_at", "pk")
        with transaction.atomic():
            if connection.features.has_select_for_update_skip_locked:
                row = due.select_for_update(skip_locked=True).first()
                if row is None:
                    return None
                model.objects.filter(pk=row.pk).update(leased_until=until)
            else:
                row = due.first()
                if row is None:
                    return None
                taken = model.objects.filter(
                    pk=row.pk, leased_until=row.leased_until, next_check_at=row.next_check_at
                ).update(leased_until=until)
                if not taken:
                    continue  # another worker took it first: look again
        row.leased_until = until
        return row


def renew(row) -> bool:
    """Extend this worker's lease on `row`; False if it is no longer this worker's."""
    until = timezone.now() + dt.timedelta(seconds=lease_seconds())
    renewed = (
        type(row)
        .objects.filter(pk=row.pk, leased_until=row.leased_until)
        .update(leased_until=until)
    )
    if renewed:
        row.leased_until = until
    return bool(renewed)


# Watches


def check_watch(watch: Watch) -> None:
    """Check one leased watch and record how it went (never raises for the watch's own
    failures: they back it off, in plain words in `last_error`)."""
    found, error, failed = 0, "", False
    try:
        if watch.kind == Watch.Kind.FEED:
            found, error = _check_feed(watch)
        else:
            found = _check_page(watch)
    except IngestError as exc:
        error, failed = exc.reason, True
    except NotAFeed as exc:
        error, failed = str(exc), True
    except Exception as exc:
        logger.exception("Checking watch %s failed", watch.pk)
        error, failed = f"the check failed unexpectedly ({type(exc).__name__})", True
    failures = watch.failures + 1 if failed else 0
    now = timezone.now()
    Watch.objects.filter(pk=watch.pk, leased_until=watch.leased_until).update(
        last_checked_at=now,
        next_check_at=now + dt.timedelta(seconds=backoff(watch.interval_seconds, failures)),
        last_error=error[:2000],
        failures=failures,
        articles_found=F("articles_found") + found,
        leased_until=None,
    )


def _check_page(watch: Watch) -> int:
    """Capture the page again (a new capture only when its text changed); 1 if this archived
    it for the first time."""
    result = archive.archive_document(fetch_url(watch.url), actor=WATCHER, source=watch.source)
    return int(result.outcome == archive.Outcome.CREATED)


def _check_feed(watch: Watch) -> tuple[int, str]:
    """Archive the feed's items not seen before, each once; how many, and what went wrong
    with those that could not be archived (they are tried again at the next check)."""
    fetched = fetch(watch.url, accept=FEED_TYPES)
    items = read_feed(fetched.body, url=fetched.url)
    seen = set(
        WatchItem.objects.filter(watch=watch, key__in=[item.key for item in items]).values_list(
            "key", flat=True
        )
    )
    new = [item for item in items if item.key not in seen]
    found, errors = 0, []
    for item in new[:MAX_NEW_ITEMS]:
        if not renew(watch):
            break  # the lease ran out and another worker has the watch now
        article = Article.objects.filter(url=item.link).first()
        document = None
        try:
            document = None if article else fetch_url(item.link)
            if document is not None:
                article = archive.archive_document(
                    document, actor=WATCHER, source=watch.source
                ).article
        except IngestError as exc:
            # Another worker (another watch of the same story) may have archived it meanwhile.
            urls = {item.link, document.url if document else item.link}
            article = Article.objects.filter(url__in=urls).first()
            if article is None:
                errors.append(str(exc))
                continue
        try:
            with transaction.atomic():
                WatchItem.objects.create(watch=watch, key=item.key, article=article)
        except IntegrityError:
            continue  # recorded meanwhile by a worker that took the watch after our lease
        found += 1
    if errors:
        return found, (
            f"{len(errors)} of {len(new)} new items could not be archived "
            f"(tried again at the next check): {errors[0]}"
        )
    return found, ""


# Re-captures


def enrol_fact_checked() -> int:
    """Put on the re-capture schedule the articles with a web address that hold a published
    claim and are not on it yet (those only ever re-captured on demand included); how many."""
    articles = (
        Article.objects.exclude(url="")
        .filter(
            captures__appearances__claim__annotations__status=Annotation.Status.PUBLISHED,
            captures__appearances__claim__deleted_at__isnull=True,
        )
        .exclude(recapture__scheduled=True)
        .annotate(first_captured_at=Min("captures__captured_at"))
        .values_list("pk", "first_captured_at")
    )
    now = timezone.now()
    # One whose schedule is already over is checked once, now.
    due = {pk: next_recapture_at(first, now) or now for pk, first in articles}
    if not due:
        return 0
    enrolled = len(due)
    on_demand = Recapture.objects.filter(article_id__in=list(due)).only("article_id")
    with transaction.atomic():
        for recapture in on_demand:
            next_at = Value(due.pop(recapture.article_id))
            # Asked for already: the sooner of that and the schedule's first time.
            Recapture.objects.filter(pk=recapture.pk, scheduled=False).update(
                scheduled=True, next_check_at=Coalesce(Least("next_check_at", next_at), next_at)
            )
        Recapture.objects.bulk_create(
            [
                Recapture(article_id=pk, scheduled=True, next_check_at=next_at)
                for pk, next_at in due.items()
            ],
            ignore_conflicts=True,
        )
    return enrolled


def check_recapture(recapture: Recapture) -> None:
    """Fetch the leased article again: changed text is a new capture (claims follow it),
    identical text records the check only; then its next time on the schedule."""
    article = recapture.article
    error = ""
    try:
        result = archive.recapture(actor=WATCHER, article=article)
    except ValidationError as exc:
        error = as_text(exc)
    except Exception as exc:
        logger.exception("Re-capturing article %s failed", article.pk)
        error = f"the re-capture failed unexpectedly ({type(exc).__name__})"
    now = timezone.now()
    with transaction.atomic():
        if error:
            failures = recapture.failures + 1
            next_at = now + dt.timedelta(seconds=backoff(RECAPTURE_RETRY, failures))
            changed = False
        else:
            failures = 0
            first = article.captures.aggregate(first=Min("captured_at"))["first"]
            next_at = next_recapture_at(first, now) if recapture.scheduled else None
            changed = result.outcome != archive.Outcome.UNCHANGED
            if not changed:
                journal.record_change(WATCHER, "article", article, "checked", {}, {}, public=True)
        Recapture.objects.filter(pk=recapture.pk, leased_until=recapture.leased_until).update(
            last_checked_at=now,
            next_check_at=next_at,
            last_error=error[:2000],
            failures=failures,
            checks=F("checks") + 1,
            captures=F("captures") + int(changed),
            leased_until=None,
        )
