"""Writes to the archive. Every path that stores articles, captures or sources (seed loader,
import command, web UI, API, admin) goes through these functions, which take the acting user
(or system actor) and check `archive.rules`. Documents read by `archive.ingest` are stored
here too, one at a time or in batches. Each write is recorded in the journal
(`journal.services.record`) in its own transaction."""

import contextlib
import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models.functions import Substr
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import LANGUAGE_DETECTION, Actor, is_system
from core import schedule
from journal import services as journal

from . import rules
from .ingest.documents import (
    CapturePayload,
    Document,
    IngestError,
    Item,
    normalize_text,
    size_limit,
    too_large,
)
from .ingest.fetch import fetch_url
from .ingest.language import DETECTION_CHARS, detect_language, detect_languages
from .models import Article, Capture, Source, text_sha256
from .signals import capture_added, captures_added
from .validation import as_text


class Outcome(enum.StrEnum):
    CREATED = "created"  # a new article with its first capture
    NEW_CAPTURE = "new capture"  # a known article whose text changed
    UNCHANGED = "unchanged"  # a known article with identical text: nothing stored


@dataclass(frozen=True)
class ArchiveResult:
    article: Article
    capture: Capture
    outcome: Outcome


def article_key(*, url: str, source: Source | None, title: str) -> tuple:
    """What identifies an article: its canonical URL, else (text of no URL) its source and
    title (whitespace collapsed, as archive_article stores it)."""
    if url:
        return ("url", url)
    return ("title", source.pk if source else None, " ".join(title.split()))


def find_article(*, url: str, source: Source | None, title: str) -> Article | None:
    """The archived article these details identify: by canonical URL, else (for text of no
    URL) by source and title."""
    if url:
        return Article.objects.filter(url=url).first()
    return Article.objects.filter(url="", source=source, title=title).first()


def find_articles(keys: Iterable[tuple]) -> dict[tuple, Article | None]:
    """`find_article` for many `article_key`s at once, in at most two queries: every key maps
    to its article, or to None when none is archived."""
    keys = set(keys)
    found: dict[tuple, Article | None] = dict.fromkeys(keys)
    urls = [key[1] for key in keys if key[0] == "url"]
    titles = {key[2] for key in keys if key[0] == "title"}
    if urls:
        for article in Article.objects.filter(url__in=urls):
            found[("url", article.url)] = article
    if titles:
        # The default ordering, so that the first match per key is find_article's.
        for article in Article.objects.filter(url="", title__in=titles):
            key = ("title", article.source_id, article.title)
            if key in found and found[key] is None:
                found[key] = article
    return found


class Lookup(enum.Enum):
    """`archive_article(known=LOOKUP)`: find the article in the database."""

    LOOKUP = "look it up"


LOOKUP = Lookup.LOOKUP


def source_state(source: Source) -> dict:
    return journal.state(source, "name", "slug", "domains", "country", "language", "notes")


def article_state(article: Article) -> dict:
    return journal.state(article, "source", "url", "title", "authors", "published_at", "language")


def capture_state(capture: Capture) -> dict:
    """A capture's provenance: which text (its digest), from where and how it was taken."""
    return journal.state(
        capture,
        *("article", "sha256", "captured_at", "origin", "origin_location", "warc_record_id"),
        *("redirects", "extractor"),
        captured_by=capture.captured_by_name,
        replacement=capture.replacement,
    )


def _entry(actor: Actor, kind: str, obj, action: str, before: dict, after: dict | None):
    # The archive is public: its entries are readable by everyone.
    return journal.change(actor, kind, obj, action, before, after, public=True)


def _record(actor: Actor, kind: str, obj, action: str, before: dict, after: dict) -> None:
    journal.record_all([_entry(actor, kind, obj, action, before, after)])


@transaction.atomic
def archive_article(
    *,
    actor: Actor,
    title: str,
    capture: CapturePayload,
    source: Source | None = None,
    url: str = "",
    language: str = "",
    authors: Sequence[str] = (),
    published_at: dt.datetime | None = None,
    known: Article | Lookup | None = LOOKUP,
    language_pending: bool = False,
) -> ArchiveResult:
    """Store `capture` as a capture of the article identified by url (or source + title),
    creating the article if it is new (`language_pending`: with the source's language, its
    own to be detected by a worker, see `detect_pending_languages`); `actor` must be allowed
    to archive articles (PermissionDenied otherwise), and to replace text when pasted or
    uploaded text would become a new capture of a known article. Text identical to the
    article's latest capture stores nothing (a return to an earlier text is a new capture).
    `known` is the article those details identify (None: not archived) when the caller has
    already found it (`find_articles`); by default it is looked up."""
    rules.require(
        rules.can_archive_articles(actor), _("Only journalists and editors archive articles.")
    )
    title = " ".join(title.split())
    article = find_article(url=url, source=source, title=title) if known is LOOKUP else known
    recorded = []
    if article is None:
        article = _new_article(
            title=title,
            source=source,
            url=url,
            language=language,
            authors=authors,
            published_at=published_at,
            language_pending=language_pending,
        )
        article.save()
        # Recorded with its first capture, in one insert.
        recorded = [_entry(actor, "article", article, "created", {}, article_state(article))]
        stored = _store_capture(
            actor=actor, article=article, capture=capture, previous=None, recorded=recorded
        )
        return ArchiveResult(article, stored, Outcome.CREATED)
    previous = latest_capture(article)
    if previous is not None and previous.sha256 == text_sha256(normalize_text(capture.text)):
        return ArchiveResult(article, previous, Outcome.UNCHANGED)
    stored = _store_capture(actor=actor, article=article, capture=capture, previous=previous)
    return ArchiveResult(article, stored, Outcome.NEW_CAPTURE)


@transaction.atomic
def add_capture(*, actor: Actor, article: Article, capture: CapturePayload) -> Capture:
    """Store a new capture of `article` and announce it (`capture_added`), so that claims
    anchored in earlier captures follow the text. Refuses text identical to the article's
    latest capture (ValidationError), actors who may not add captures, and pasted or uploaded
    text from actors who may not replace an article's text (PermissionDenied)."""
    rules.require(
        rules.can_add_captures(actor), _("Only journalists and editors archive articles.")
    )
    previous = latest_capture(article)
    if previous is not None and previous.sha256 == text_sha256(normalize_text(capture.text)):
        raise ValidationError(
            {"text": "Identical to the article's latest capture: nothing to archive."},
            code="unchanged",
        )
    return _store_capture(actor=actor, article=article, capture=capture, previous=previous)


def recapture(*, actor: Actor, article: Article) -> ArchiveResult:
    """Fetch the article's URL now (outside any transaction) and archive what it reads as a
    new capture, unless identical to the latest one (UNCHANGED). ValidationError when the
    article has no URL or the fetch fails, saying why."""
    rules.require(
        rules.can_add_captures(actor), _("Only journalists and editors archive articles.")
    )
    if not article.url:
        raise ValidationError(
            "This article has no web address to fetch again; an editor may paste its new text."
        )
    try:
        document = fetch_url(article.url)
    except IngestError as exc:
        raise ValidationError(f"Fetching {exc.item} failed: {exc.reason}.") from None
    return archive_article(
        actor=actor, title=article.title, capture=document, url=article.url, known=article
    )


def latest_capture(article: Article) -> Capture | None:
    """The article's most recent capture (by captured_at), without its raw payload."""
    # An article may have been stored without a capture (by hand, or in a test).
    with contextlib.suppress(Capture.DoesNotExist):
        return article.captures.defer("raw").latest()
    return None


def _store_capture(
    *,
    actor: Actor,
    article: Article,
    capture: CapturePayload,
    previous: Capture | None,
    recorded: list | None = None,
) -> Capture:
    """Validate, save and announce a capture of `article` (stored, and found or created in
    the caller's transaction) whose latest capture is `previous`, recording `actor` as who
    made it. Supplied text (pasted, uploaded) following an earlier capture replaces the
    article's text: `actor` must be allowed to (PermissionDenied), and the capture says so.
    The capture is journaled with the `recorded` entries not yet saved."""
    replacement = previous is not None and capture.origin in Capture.SUPPLIED_ORIGINS
    if replacement:
        rules.require(
            rules.can_replace_text(actor),
            _(
                "Only editors replace an archived article's text with pasted or uploaded text; "
                "archive its web address again to capture it as it reads now."
            ),
        )
    stored = _new_capture(actor=actor, article=article, capture=capture, replacement=replacement)
    stored.save()
    journal.record_all(
        [*(recorded or []), _entry(actor, "capture", stored, "created", {}, capture_state(stored))]
    )
    capture_added.send(sender=Capture, capture=stored, previous=previous)
    return stored


def _new_capture(
    *, actor: Actor, article: Article, capture: CapturePayload, replacement: bool
) -> Capture:
    """The capture of `article` that `capture` describes, validated and not saved yet
    (ValidationError naming the field otherwise)."""
    # The payload's fields are the capture's own (a Document adds the article's, left aside).
    values = {f.name: getattr(capture, f.name) for f in dataclasses.fields(CapturePayload)}
    if values["captured_at"] is None:
        del values["captured_at"]  # the field's default: now
    values.update(text=normalize_text(capture.text), redirects=list(capture.redirects))
    if len(values["text"].encode()) > size_limit() or len(values["raw"]) > size_limit():
        # Every path ends here: pasted text (web, API, admin) included.
        raise ValidationError({"text": too_large("The text") + "."}, code="too_large")
    stored = Capture(
        article=article,
        captured_by=None if is_system(actor) else actor,
        captured_by_name=actor.username,
        replacement=replacement,
        **values,
    )
    # The article needs no foreign-key query, and the check constraints are covered by field
    # validation (text required, origin a choice). Validation also sets the text's digest.
    stored.full_clean(exclude=["article", "captured_by"], validate_constraints=False)
    return stored


def _new_article(
    *,
    title: str,
    source: Source | None,
    url: str,
    language: str,
    authors: Sequence[str],
    published_at: dt.datetime | None,
    language_pending: bool = False,
) -> Article:
    """The article these details describe, validated and not saved yet; without a language,
    its source's (`language_pending`: until a worker detects its own)."""
    article = Article(
        source=source,
        url=url,
        title=" ".join(title.split()),
        authors=list(authors),
        published_at=published_at,
        language=language or (source.language if source else ""),
        language_pending=language_pending and not language,
    )
    # The caller's lookup covers the unique URL, and field validation the non-empty title,
    # so the constraints' own validation (a query each) is not needed.
    article.full_clean(validate_constraints=False)
    return article


@transaction.atomic
def update_article(*, actor: Actor, article: Article, **details: object) -> Article:
    """Correct an article's details (title, source, url, authors, published_at, language);
    its captures stay as they are. Admins only."""
    rules.require(rules.can_edit_articles(actor), _("Only admins correct an article's details."))
    before = article_state(article)
    for name, value in details.items():
        setattr(article, name, value)
    article.full_clean()
    article.save()
    _record(actor, "article", article, "edited", before, article_state(article))
    return article


@transaction.atomic
def save_source(*, actor: Actor, source: Source | None = None, **fields: object) -> Source:
    """Create a source with `fields`, or change those fields of `source`. Admins only."""
    rules.require(rules.can_manage_sources(actor), _("Only admins manage sources."))
    created = source is None
    source = source or Source()
    before = {} if created else source_state(source)
    for name, value in fields.items():
        setattr(source, name, value)
    source.full_clean()
    source.save()
    action = "created" if created else "edited"
    _record(actor, "source", source, action, before, source_state(source))
    return source


@transaction.atomic
def delete_source(*, actor: Actor, source: Source) -> None:
    """Remove a source; one with articles is protected (ProtectedError). Its history stays
    in the journal."""
    rules.require(rules.can_manage_sources(actor), _("Only admins manage sources."))
    # Made before the row is deleted, which takes its id.
    deleted = _entry(actor, "source", source, "deleted", source_state(source), None)
    source.delete()
    journal.record_all([deleted])


# Storing documents read by archive.ingest

# Items stored per transaction by archive_documents (each in its own savepoint:
# CLAIMDESK_IMPORT_BATCH), and the text and raw bytes a batch may hold in memory before it is
# stored.
BATCH_ITEMS = settings.CLAIMDESK_IMPORT_BATCH
BATCH_BYTES = 32 * 1024 * 1024


# What a lost (or unusable) database connection raises, as opposed to a refused item.
LOST_CONNECTION = (OperationalError, InterfaceError)


class BatchLost(Exception):
    """The database connection failed while a batch was stored: none of the batch's `items`
    was stored (its transaction was rolled back), and items after them were not read.
    Batches yielded before are committed."""

    def __init__(self, items: Sequence[Item], error: Exception):
        self.items = list(items)
        self.error = error
        super().__init__(f"the database connection failed: {error}".strip())


class DryRunRollback(Exception):
    """Undoes a dry run's writes once its outcome is known."""


class SourceResolver:
    """`resolve_source` for many documents: each slug and host is looked up once."""

    def __init__(self, source: Source | None = None):
        self.source = source
        self._found: dict[tuple[str, str], Source | None] = {}

    def __call__(self, document: Document) -> Source | None:
        if self.source is not None:
            return self.source
        if document.source_slug:
            key = ("slug", document.source_slug)
            if key not in self._found:
                self._found[key] = Source.objects.filter(slug=document.source_slug).first()
            if self._found[key] is None:
                raise IngestError(
                    document.item,
                    f"field “source”: no source with the slug “{document.source_slug}”",
                )
            return self._found[key]
        host = urlsplit(document.url).hostname if document.url else None
        if not host:
            return None
        key = ("host", host)
        if key not in self._found:
            self._found[key] = Source.objects.for_host(host)
        return self._found[key]


def resolve_source(document: Document, source: Source | None = None) -> Source | None:
    """The source given, else the one the document names by slug, else the one whose domains
    include the URL's host."""
    return SourceResolver(source)(document)


def archive_document(
    document: Document,
    *,
    actor: Actor,
    source: Source | None = None,
    language: str = "",
    dry_run: bool = False,
    known: Article | Lookup | None = LOOKUP,
) -> ArchiveResult:
    """Store `document` through `archive_article`, as `actor`, in its own transaction (a
    savepoint when one is open): the language given, else the document's, else detected. A dry run
    computes the outcome and stores nothing. `known` is as for archive_article, the article
    the document identifies once `source` is resolved. Raises IngestError (naming the
    item) when the archive refuses it."""
    source = resolve_source(document, source)
    language = language or document.language or detect_language(document.text)
    return _archive(
        document, actor=actor, source=source, language=language, dry_run=dry_run, known=known
    )


def _archive(
    document: Document,
    *,
    actor: Actor,
    source: Source | None,
    language: str,
    dry_run: bool,
    known: Article | Lookup | None,
    language_pending: bool = False,
) -> ArchiveResult:
    arguments = {
        "actor": actor,
        "title": document.title,
        # The document is its own capture payload; the location is cut to the field's size.
        "capture": dataclasses.replace(document, origin_location=document.origin_location[:2000]),
        "source": source,
        "url": document.url,
        "language": language,
        "authors": document.authors,
        "published_at": document.published_at,
        "known": known,
        "language_pending": language_pending,
    }
    result = None
    try:
        if dry_run:
            with transaction.atomic():
                result = archive_article(**arguments)
                raise DryRunRollback
        else:
            # archive_article is atomic itself: its savepoint is the item's.
            result = archive_article(**arguments)
    except DryRunRollback:
        pass
    except ValidationError as exc:
        raise IngestError(document.item, as_text(exc, name_fields=True)) from None
    except LOST_CONNECTION:
        raise  # not this item's fault: the batch, and the run, stop
    except DatabaseError as exc:
        raise IngestError(document.item, f"the database refused it: {exc}") from None
    except (ValueError, OverflowError, UnicodeError) as exc:
        # What the readers let through and a column cannot hold (a database adapter's
        # refusal): this item's fault, not the run's.
        raise IngestError(document.item, f"it cannot be stored: {exc}") from None
    return result


# Called with a batch's outcomes inside its transaction (archive_documents' `record`).
Recorder = Callable[[list[tuple[Item, ArchiveResult | IngestError]]], None]


def archive_documents(
    items: Iterable[Item],
    *,
    actor: Actor,
    source: Source | None = None,
    language: str = "",
    dry_run: bool = False,
    record: Recorder | None = None,
) -> Iterator[tuple[Item, ArchiveResult | IngestError]]:
    """Store documents as archive_document does, each item atomically (a failure changes
    nothing and the others go on), but BATCH_ITEMS at a time: one transaction per batch
    with a savepoint per item, the batch's known articles found in one or two queries, and
    each source looked up once. Yields every item with its result (or the error naming it)
    in order, once its batch is committed; `record`, when given, is called with the batch's
    outcomes inside its transaction (what it writes is committed with them, and what it
    raises rolls the batch back and stops the run). A lost database connection raises
    BatchLost naming the batch's items, none of which is stored.

    What a batch can leave for later is left to a worker, queued once the batch is
    committed: the language of new articles that declare none (`language_pending` until
    `detect_pending_languages` runs) and what `captures_added` receivers defer."""
    resolve = SourceResolver(source)
    batch: list[Item] = []
    size = 0
    options = {"actor": actor, "language": language, "dry_run": dry_run, "record": record}
    for item in items:
        batch.append(item)
        if isinstance(item, Document):
            size += len(item.text) + len(item.raw)
        if len(batch) >= BATCH_ITEMS or size >= BATCH_BYTES:
            yield from _committed_batch(batch, resolve, **options)
            batch, size = [], 0
    if batch:
        yield from _committed_batch(batch, resolve, **options)


def _committed_batch(
    batch: list[Item], resolve: SourceResolver, **options
) -> list[tuple[Item, ArchiveResult | IngestError]]:
    """_archive_batch's outcomes once its transaction is committed; BatchLost if the
    connection fails before (the batch is then rolled back as a whole)."""
    items = list(batch)  # _archive_batch puts the errors of unresolved sources in its list
    try:
        return _archive_batch(batch, resolve, **options)
    except LOST_CONNECTION as exc:
        raise BatchLost(items, exc) from exc


def _archive_batch(
    batch: list[Item],
    resolve: SourceResolver,
    *,
    actor: Actor,
    language: str,
    dry_run: bool,
    record: Recorder | None,
) -> list[tuple[Item, ArchiveResult | IngestError]]:
    outcomes: list[tuple[Item, ArchiveResult | IngestError]] = []
    sources: dict[int, Source | None] = {}
    for index, item in enumerate(batch):
        if isinstance(item, Document):
            try:
                sources[index] = resolve(item)
            except IngestError as exc:
                batch[index] = exc
    keys = {
        index: article_key(url=batch[index].url, source=source, title=batch[index].title)
        for index, source in sources.items()
    }
    known = find_articles(keys.values())
    # An item that declares no language is stored with its source's, and its own is
    # detected by a worker once the batch is committed (detection costs more than storing).
    languages = {index: language or batch[index].language for index in sources}
    with transaction.atomic():
        stored = (
            {} if dry_run else _archive_new_articles(batch, sources, keys, known, languages, actor)
        )
        for index, item in enumerate(batch):
            if isinstance(item, IngestError):
                outcomes.append((item, item))
                continue
            if index in stored:
                outcomes.append((item, stored[index]))
                continue
            try:
                result = _archive(
                    item,
                    actor=actor,
                    source=sources[index],
                    language=languages[index],
                    dry_run=dry_run,
                    known=known[keys[index]],
                    language_pending=not languages[index],
                )
            except IngestError as exc:
                outcomes.append((item, exc))
                continue
            except PermissionDenied as exc:
                # The actor may archive, but not this (replace a known article's text).
                outcomes.append((item, IngestError(item.item, str(exc))))
                continue
            if not dry_run:
                # Later items of the batch may be captures of the same article.
                known[keys[index]] = result.article
            outcomes.append((item, result))
        if record is not None:
            record(outcomes)
        pending = [
            result.article.pk
            for _, result in outcomes
            if isinstance(result, ArchiveResult)
            and result.outcome == Outcome.CREATED
            and result.article.language_pending
        ]
        if pending and not dry_run:
            transaction.on_commit(partial(queue_language_detection, pending), robust=True)
    return outcomes


def _archive_new_articles(
    batch: list[Item],
    sources: dict[int, Source | None],
    keys: dict[int, tuple],
    known: dict[tuple, Article | None],
    languages: dict[int, str],
    actor: Actor,
) -> dict[int, ArchiveResult]:
    """Store the batch's new articles (the first item of each key not archived yet) with
    their first captures in a few inserts — articles, captures, the journal's entries, then
    `captures_added` for them all — in a savepoint of the batch's transaction, and note
    them in `known`. Each capture is announced (`capture_added`, `batched`) as archive_article
    would. Returns the results by the items' indexes; an item that fails validation is left
    out, and when the database refuses the inserts or a receiver fails, nothing is stored
    and none is returned: the caller stores what is left out one by one, which names the
    item at fault."""
    if not rules.can_archive_articles(actor):
        return {}  # one by one, each refused with the rule's message
    pending: dict[int, tuple[Article, Capture]] = {}
    seen: set[tuple] = set()
    for index, source in sources.items():
        item = batch[index]
        if not isinstance(item, Document) or known[keys[index]] is not None:
            continue
        if keys[index] in seen:
            continue  # a later capture of an article of this batch: stored after it
        seen.add(keys[index])
        try:
            article = _new_article(
                title=item.title,
                source=source,
                url=item.url,
                language=languages[index],
                authors=item.authors,
                published_at=item.published_at,
                language_pending=not languages[index],
            )
            payload = dataclasses.replace(item, origin_location=item.origin_location[:2000])
            capture = _new_capture(actor=actor, article=article, capture=payload, replacement=False)
        except ValidationError:
            continue  # stored one by one, which says what is wrong with it
        pending[index] = (article, capture)
    if not pending:
        return {}
    try:
        with transaction.atomic():
            articles = Article.objects.bulk_create([a for a, _ in pending.values()])
            captures = []
            for article, capture in pending.values():
                capture.article = article  # now with its id
                captures.append(capture)
            Capture.objects.bulk_create(captures)
            entries = []
            for article, capture in pending.values():
                entries.append(
                    _entry(actor, "article", article, "created", {}, article_state(article))
                )
                entries.append(
                    _entry(actor, "capture", capture, "created", {}, capture_state(capture))
                )
            journal.record_all(entries)
            for capture in captures:
                capture_added.send(sender=Capture, capture=capture, previous=None, batched=True)
            captures_added.send(sender=Capture, captures=captures)
    except LOST_CONNECTION:
        raise
    except Exception:
        # Whatever refused them (a constraint, a receiver): each item again on its own, which
        # stores the others and names the one at fault, or raises as archive_article does.
        return {}
    results = {}
    for index, article in zip(pending, articles, strict=True):
        known[keys[index]] = article
        results[index] = ArchiveResult(article, pending[index][1], Outcome.CREATED)
    return results


# Languages detected after an import


def queue_language_detection(article_ids: list[int]) -> None:
    """Hand the detection of these articles' languages to a worker (`detect_languages`). Should
    the backend refuse it, the workers' sweep does it later (see `detect_pending_languages`)."""
    detect_languages_task.enqueue(article_ids)


def detect_pending_languages(
    *, article_ids: Iterable[int] | None = None, older_than: dt.datetime | None = None
) -> int:
    """Detect the language of articles an import stored before knowing it
    (`language_pending`), from the opening of their first capture, in batches of
    BATCH_ITEMS: set it — or leave the source's when nothing can be told — and record each
    change in the journal as the `language-detection` actor. Those of `article_ids`, else
    every one pending since before `older_than` (the workers' sweep); how many were settled.
    Safe with several workers at once: each takes its articles locked, skipping those taken."""
    settled = 0
    ids = None if article_ids is None else list(article_ids)
    while True:
        with transaction.atomic():
            pending = Article.objects.filter(language_pending=True)
            if ids is not None:
                pending = pending.filter(pk__in=ids)
            if older_than is not None:
                pending = pending.filter(created_at__lt=older_than)
            locked = pending.select_for_update(skip_locked=True).order_by("pk")
            articles = list(locked[:BATCH_ITEMS])
            if not articles:
                return settled
            openings: dict[int, str] = {}
            first_captures = (
                Capture.objects.filter(article__in=articles)
                .order_by("captured_at", "pk")
                .values_list("article_id", Substr("text", 1, DETECTION_CHARS))
            )
            for article_id, opening in first_captures:
                openings.setdefault(article_id, opening)
            detected = detect_languages([openings.get(a.pk, "") for a in articles])
            now = timezone.now()
            entries = []
            for article, code in zip(articles, detected, strict=True):
                before = article_state(article)
                article.language = code or article.language
                article.language_pending = False
                article.updated_at = now
                if article.language != before["language"]:
                    entries.append(
                        _entry(
                            LANGUAGE_DETECTION,
                            "article",
                            article,
                            "edited",
                            before,
                            article_state(article),
                        )
                    )
            Article.objects.bulk_update(articles, ["language", "language_pending", "updated_at"])
            journal.record_all(entries)
        settled += len(articles)


def detect_stale_languages() -> int:
    """The workers' sweep (`core.schedule`): the languages still pending a while after their
    import committed (its queued detection was lost with a worker, or never queued)."""
    return detect_pending_languages(older_than=schedule.stale_before())


@task
def detect_languages_task(article_ids: list[int]) -> int:
    """The background task of `queue_language_detection`: `detect_pending_languages` for
    these articles (those already settled are skipped); how many it settled. Defined beside
    the service it runs, so that queueing and running it need no module importing the other."""
    return detect_pending_languages(article_ids=article_ids)


def language_of(capture: Capture) -> str:
    """The language `capture`'s text is in: its article's, else its source's. While an
    import's detection is pending, detected from the text now (nothing is stored: the
    worker will)."""
    article = capture.article
    if article.language_pending:
        detected = detect_language(capture.text)
        if detected:
            return detected
    return article.language or (article.source.language if article.source else "")
