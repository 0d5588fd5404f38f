"""What the workers watch: sources' feeds and single pages (`Watch`, with the items each feed
brought, `WatchItem`), and the articles holding a published claim, re-captured on a decaying
schedule (`Recapture`). Each due row is taken by one worker at a time through its lease
(`leased_until`); see `watching.schedule`."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from archive.models import Article, Source
from core.models import CheckConstraint, TimestampedModel, person_or_none

MIN_INTERVAL = 300  # seconds: no outlet needs polling more often, and none should be hammered
DEFAULT_INTERVAL = 3600


class DueQuerySet(models.QuerySet):
    def due(self, now):
        """The rows to check now: due, and not leased by a worker (or their lease ran out)."""
        return self.filter(next_check_at__lte=now).filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now)
        )


class WatchQuerySet(DueQuerySet):
    def due(self, now):
        return super().due(now).filter(active=True)


class Watch(TimestampedModel):
    """A web address the workers check every `interval_seconds`: a feed (RSS or Atom), each
    new item of which is archived once, or a page, re-captured when its text changes."""

    class Kind(models.TextChoices):
        FEED = "feed", "feed"
        PAGE = "page", "page"

    url = models.URLField("web address", max_length=2000, unique=True)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="watches",
        help_text="The outlet its articles are archived under.",
    )
    interval_seconds = models.PositiveIntegerField(default=DEFAULT_INTERVAL)
    active = models.BooleanField(default=True)
    next_check_at = models.DateTimeField(default=Now())
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Checks that failed in a row: the next one waits interval × 2^failures, at most a day.
    failures = models.PositiveIntegerField(default=0)
    articles_found = models.PositiveIntegerField(default=0)
    leased_until = models.DateTimeField(null=True, blank=True)
    created_by = person_or_none()

    objects = WatchQuerySet.as_manager()

    class Meta:
        ordering = ["url"]
        constraints = [
            CheckConstraint(
                condition=Q(interval_seconds__gte=MIN_INTERVAL),
                name="watching_watch_interval_at_least_300",
                violation_error_message="Checks must be at least 300 seconds apart.",
            ),
            CheckConstraint(
                condition=Q(kind__in=["feed", "page"]), name="watching_watch_kind_valid"
            ),
        ]
        indexes = [
            # The workers' look for due watches.
            models.Index(fields=["active", "next_check_at"], name="watching_watch_due"),
        ]

    def __str__(self) -> str:
        return self.url


class WatchItem(models.Model):
    """One item a feed brought (its guid, else its link), archived once as `article`."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=2000)
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Each item once, even with several workers (backs the watch's lease).
            models.UniqueConstraint(fields=["watch", "key"], name="watching_watchitem_once"),
        ]

    def __str__(self) -> str:
        return self.key


class Recapture(models.Model):
    """The re-capture schedule of an article holding a published claim: due at its first
    capture + each of CLAIMDESK_RECAPTURE_AFTER, or now on demand; `next_check_at` is empty
    once the schedule is over. `checks` counts the fetches made, `captures` those that found
    changed text (a new capture)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="recapture")
    # On the decaying schedule (it holds a published claim); else fetched on demand only.
    scheduled = models.BooleanField(default=False)
    next_check_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)
    checks = models.PositiveIntegerField(default=0)
    captures = models.PositiveIntegerField(default=0)
    leased_until = models.DateTimeField(null=True, blank=True)

    objects = DueQuerySet.as_manager()

    class Meta:
        indexes = [
            # The workers' look for due re-captures.
            models.Index(fields=["next_check_at"], name="watching_recapture_due"),
        ]

    def __str__(self) -> str:
        return f"re-capture of article {self.article_id}"
