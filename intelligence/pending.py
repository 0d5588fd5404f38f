"""Analyses left pending: the captures an import stores together are analysed by a worker once
their batch is committed (`defer_new_captures` marks them, `analyse_pending` computes them,
`analyse_stale` is the workers' sweep for those whose task was lost). This module loads no
word lists: marking is all the importing process does; the worker loads them to analyse."""

import datetime as dt
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from annotations.models import CaptureAnalysis
from archive.models import Article, Capture
from archive.services import BATCH_ITEMS, detect_pending_languages
from core import schedule


def defer_new_captures(captures: list[Capture]) -> list[CaptureAnalysis]:
    """For captures an import just stored together: their analyses marked pending, in one
    insert, and computed by a worker once the batch is committed (`analyse_pending`)."""
    analyses = CaptureAnalysis.objects.bulk_create(
        CaptureAnalysis(capture=capture, language="", foreign_spans=[], method="")
        for capture in captures
    )
    ids = [capture.pk for capture in captures]
    transaction.on_commit(partial(analyse_pending_task.enqueue, ids), robust=True)
    return analyses


def analyse_pending(
    *, capture_ids: Iterable[int] | None = None, older_than: dt.datetime | None = None
) -> int:
    """Compute the pending analyses (see `defer_new_captures`) of `capture_ids`, else of every
    capture pending since before `older_than` (the workers' sweep), BATCH_ITEMS at a time,
    each batch in one transaction: first the language of their articles if still pending
    (`archive.services.detect_pending_languages`), then their foreign insertions, stored in
    one statement. How many were computed. Safe with several workers at once: each takes its
    analyses locked, skipping those taken."""
    # The word lists load here, in the worker, not in the process that imports.
    from .analysis import METHOD, declared_language
    from .insertions import detect

    done = 0
    ids = None if capture_ids is None else list(capture_ids)
    while True:
        with transaction.atomic():
            pending = CaptureAnalysis.objects.filter(method="")
            if ids is not None:
                pending = pending.filter(capture_id__in=ids)
            if older_than is not None:
                pending = pending.filter(computed_at__lt=older_than)
            analyses = list(
                pending.select_for_update(skip_locked=True).order_by("capture_id")[:BATCH_ITEMS]
            )
            if not analyses:
                return done
            captures = Capture.objects.select_related("article__source").in_bulk(
                [analysis.capture_id for analysis in analyses]
            )
            undetected = {c.article_id for c in captures.values() if c.article.language_pending}
            if undetected:
                detect_pending_languages(article_ids=undetected)
                settled = Article.objects.filter(pk__in=undetected).values_list(
                    "pk", "language", "language_pending"
                )
                for pk, language, still_pending in settled:
                    for capture in captures.values():
                        if capture.article_id == pk:
                            capture.article.language = language
                            capture.article.language_pending = still_pending
            for analysis in analyses:
                capture = captures[analysis.capture_id]
                analysis.language = declared_language(capture)
                analysis.foreign_spans = [
                    span.as_dict() for span in detect(capture.text, analysis.language)
                ]
                analysis.method = METHOD
                analysis.computed_at = timezone.now()
            CaptureAnalysis.objects.bulk_update(
                analyses, ["language", "foreign_spans", "method", "computed_at"]
            )
        done += len(analyses)


def analyse_stale() -> int:
    """The workers' sweep (`core.schedule`): the analyses still pending a while after their
    import committed (its queued task was lost with a worker, or never queued)."""
    return analyse_pending(older_than=schedule.stale_before())


@task
def analyse_pending_task(capture_ids: list[int]) -> int:
    """The background task of `defer_new_captures`: `analyse_pending` for these captures
    (those already computed are skipped); how many it computed."""
    return analyse_pending(capture_ids=capture_ids)
