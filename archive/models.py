"""The archive: outlets (Source), logical articles (Article) and their immutable snapshots
(Capture)."""

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language_info, pgettext_lazy

from accounts.roles import is_editor
from core.models import CheckConstraint, TimestampedModel, not_empty, person_or_none

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE
)


def validate_language(value: str) -> None:
    """A BCP 47 language tag such as "fr" or "pt-BR"; empty means unknown."""
    if value and not LANGUAGE_RE.match(value):
        raise ValidationError(
            "“%(value)s” is not a language code; use an ISO 639-1 code such as “fr” or “en”.",
            params={"value": value},
            code="invalid_language",
        )


def language_name(code: str) -> str:
    """The name of an ISO 639-1 code in the interface's language ("French" for "fr" in
    English, "Français" in French); the code itself when Django does not know it, and "" for
    no code."""
    if not code:
        return ""
    try:
        return get_language_info(code)["name_translated"].capitalize()
    except KeyError:
        return code


# The languages claims and filters offer (CLAIMDESK_LANGUAGES), as form choices named for people
# in the language of the request that shows them.
LANGUAGE_CHOICES = [(code, lazy(language_name, str)(code)) for code in settings.CLAIMDESK_LANGUAGES]


def validate_domains(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Domains must be a list of host names.", code="invalid_domains")
    for host in value:
        if not HOSTNAME_RE.match(host):
            raise ValidationError(
                "“%(host)s” is not a host name such as “www.example.org”.",
                params={"host": host},
                code="invalid_domain",
            )


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceQuerySet(models.QuerySet):
    def with_article_counts(self):
        return self.annotate(article_count=Count("articles"))

    def for_host(self, host: str) -> "Source | None":
        """The source whose domains include `host` (or its parent domain), if any."""
        host = host.lower().removeprefix("www.")
        for source in self.exclude(domains=[]):
            for domain in source.domains:
                domain = domain.removeprefix("www.")
                if host == domain or host.endswith("." + domain):
                    return source
        return None


class Source(TimestampedModel):
    """A news outlet."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    domains = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_domains],
        help_text='Host names the outlet publishes under, e.g. ["www.example.org"].',
    )
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 country code, e.g. FR."
    )
    language = models.CharField(
        max_length=16,
        blank=True,
        validators=[validate_language],
        help_text="Default language of the outlet's articles (ISO 639-1).",
    )
    notes = models.TextField(blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            not_empty("slug", "archive_source_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.country:
            self.country = self.country.upper()
            if not re.fullmatch(r"[A-Z]{2}", self.country):
                raise ValidationError(
                    {"country": "Use a two-letter ISO 3166-1 country code, e.g. “FR”."}
                )
        if isinstance(self.domains, list):
            self.domains = [d.strip().lower() for d in self.domains if d.strip()]


class ArticleQuerySet(models.QuerySet):
    def with_latest_capture(self):
        latest = Capture.objects.filter(article=models.OuterRef("pk")).order_by(
            "-captured_at", "-pk"
        )
        return self.annotate(latest_capture_id=models.Subquery(latest.values("pk")[:1]))


class Article(TimestampedModel):
    """One logical article; its content lives in its captures."""

    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="articles",
        null=True,
        blank=True,
        help_text="The outlet; empty for text of unknown origin.",
    )
    url = models.URLField(
        "canonical URL", max_length=2000, blank=True, help_text="Empty for pasted text."
    )
    title = models.CharField(max_length=1000)
    authors = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True, validators=[validate_language])
    language_pending = models.BooleanField(
        default=False,
        db_default=False,  # for rows written without the ORM (the benchmark's COPY)
        help_text="Stored by an import before its language was detected: the source's language "
        "(or none) until a worker detects it (archive.services.detect_pending_languages).",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="archive_article_unique_url",
                violation_error_message="An article with this canonical URL is already archived.",
            ),
            not_empty("title", "archive_article_title_not_empty", "An article needs a title."),
        ]
        indexes = [
            # The archive's article list: newest first, per source.
            models.Index(fields=["source", "-published_at"], name="archive_article_source_pub"),
            # The workers' sweep for articles whose language is still to be detected.
            models.Index(
                fields=["created_at"],
                condition=Q(language_pending=True),
                name="archive_article_lang_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not isinstance(self.authors, list) or not all(isinstance(a, str) for a in self.authors):
            raise ValidationError({"authors": "Authors must be a list of names."})


class CaptureQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableCaptureError("Captures are immutable: archive a new capture instead.")


class ImmutableCaptureError(Exception):
    """Raised on any attempt to change a stored capture."""


class Capture(models.Model):
    """An immutable snapshot of an article's text at one moment."""

    class Origin(models.TextChoices):
        FILE = "file", pgettext_lazy("capture origin", "file")
        URL = "url", pgettext_lazy("capture origin", "URL")
        WARC = "warc", pgettext_lazy("capture origin", "WARC record")
        PASTE = "paste", pgettext_lazy("capture origin", "pasted text")
        UPLOAD = "upload", pgettext_lazy("capture origin", "uploaded file")
        SEED = "seed", pgettext_lazy("capture origin", "seed")

    # Text a person typed or handed in, rather than read from the article's own page or an
    # archive of it: replacing an article's text this way is an editor's act.
    SUPPLIED_ORIGINS = (Origin.PASTE, Origin.UPLOAD)

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="captures")
    captured_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(help_text="The extracted plain text.")
    sha256 = models.CharField("SHA-256 of the text", max_length=64, editable=False)
    raw = models.BinaryField(
        blank=True, default=b"", help_text="The raw payload (HTML, WARC record), if any."
    )
    raw_content_type = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    origin_location = models.CharField(
        max_length=2000, blank=True, help_text="File path or URL the capture came from."
    )
    warc_record_id = models.CharField(max_length=200, blank=True)
    redirects = models.JSONField(
        default=list,
        blank=True,
        help_text="For a fetched URL, the URLs it was redirected through, in order.",
    )
    extractor = models.CharField(
        max_length=100, blank=True, help_text="What turned the payload into text, with version."
    )
    captured_by = person_or_none(
        "captures", help_text="The person who archived it; empty for an import or the seeds."
    )
    captured_by_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="Username of the person, or name of the system actor (import, seeds), "
        "kept even if the account is removed; empty for captures stored before it was recorded.",
    )
    replacement = models.BooleanField(
        default=False,
        help_text="Pasted or uploaded text replacing the article's earlier text (an editor's "
        "act), rather than a fetch or an import of the article.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaptureQuerySet.as_manager()

    class Meta:
        ordering = ["article", "captured_at", "pk"]
        get_latest_by = ["captured_at", "pk"]
        constraints = [
            not_empty("text", "archive_capture_text_not_empty", "A capture needs text."),
            CheckConstraint(
                condition=Q(origin__in=["file", "url", "warc", "paste", "upload", "seed"]),
                name="archive_capture_origin_valid",
            ),
        ]
        indexes = [
            # An article's capture history, newest first.
            models.Index(fields=["article", "-captured_at"], name="archive_capture_history"),
        ]

    def __str__(self) -> str:
        return f"{self.article} @ {self.captured_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableCaptureError(
                f"Capture {self.pk} is immutable: archive a new capture instead."
            )
        self.sha256 = text_sha256(self.text)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not self._state.adding:
            raise ValidationError("Captures are immutable: archive a new capture instead.")
        self.sha256 = text_sha256(self.text or "")


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        """Editors (and admins) see every import; others only their own."""
        if is_editor(user):
            return self
        return self.filter(created_by=user) if user.is_authenticated else self.none()

    def unfinished(self) -> "ImportJobQuerySet":
        return self.filter(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])


class ImportJob(TimestampedModel):
    """Articles to archive in the background — uploaded files, files on the server, URLs —
    read by the same readers as the archive command, each item stored atomically. A worker
    runs it (archive.imports.run_import_job); a job whose worker died is queued again and
    resumes after its last stored item."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import status", "Queued")
        RUNNING = "running", pgettext_lazy("import status", "Running")
        SUCCEEDED = "succeeded", pgettext_lazy("import status", "Succeeded")
        FAILED = "failed", pgettext_lazy("import status", "Failed")

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
    )
    created_by_name = models.CharField(
        max_length=150, help_text="Username of who asked for it, or the system actor (import)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    inputs = models.JSONField(
        default=list,
        help_text='What to read, in order: {"url": …} or {"path": …, "name": …, "upload": bool} '
        "(an upload's path is relative to CLAIMDESK_IMPORT_DIR).",
    )
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=16, blank=True)
    total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Items the inputs hold; empty until counted."
    )
    done = models.PositiveIntegerField(default=0, help_text="Items stored, unchanged or failed.")
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the job as a whole stopped, if it did.")
    attempts = models.PositiveSmallIntegerField(default=0)
    runner = models.CharField(
        max_length=64, blank=True, help_text="The run that holds the job while it is running."
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="The task backend's id of the task queued last to run the job: recovery asks "
        "the backend whether that task is still waiting or running.",
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When the job was last handed to the task backend."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="archive_importjob_status_valid",
            ),
        ]
        indexes = [
            # The worker's search for running jobs whose heartbeat stopped.
            models.Index(fields=["status", "heartbeat_at"], name="archive_importjob_stale"),
            # "My imports": a user's jobs, newest first.
            models.Index(fields=["created_by", "-created_at"], name="archive_importjob_mine"),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.finished else None
        return min(100, round(100 * self.done / self.total))


class ImportItem(models.Model):
    """One item of an import (a file, a WARC record, a JSON Lines line, a URL) and what became
    of it, written in the same transaction as what it stored: an item here was stored (or
    refused), and one not here was not."""

    class Outcome(models.TextChoices):
        CREATED = "created", pgettext_lazy("import outcome", "Created")
        NEW_CAPTURE = "new capture", pgettext_lazy("import outcome", "New Capture")
        UNCHANGED = "unchanged", pgettext_lazy("import outcome", "Unchanged")
        FAILED = "failed", pgettext_lazy("import outcome", "Failed")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(help_text="The item's place in the job's inputs.")
    name = models.CharField(max_length=2000)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    capture = models.ForeignKey(
        Capture, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            # What makes a resumed job skip what it stored: an item is recorded once.
            models.UniqueConstraint(
                fields=["job", "position"], name="archive_importitem_once_per_position"
            ),
            CheckConstraint(
                condition=Q(outcome__in=["created", "new capture", "unchanged", "failed"]),
                name="archive_importitem_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"
