"""Re-anchoring: a new capture of an article moves its claims' appearances onto the new text
(exact, by context, fuzzy), or marks them orphaned; never deletes one."""

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.actors import REANCHORING
from archive.models import Capture
from journal import services as journal

from ..anchoring import best_fuzzy_score, find_quote
from ..models import Annotation, Appearance, AppearanceAnchor, Claim
from ._versions import claim_change
from .claims import appearance_state, quote_context


def mark_for_background(*, capture: Capture) -> bool:
    """Whether `capture`'s article has more appearances to move than
    CLAIMDESK_REANCHOR_INLINE_MAX; if so they are marked "re-anchoring…" and the caller queues
    the job that moves them (`annotations.tasks.reanchor_capture`, whose
    `finish_reanchoring` lifts the mark). Call it in the capture's transaction."""
    pending = Appearance.objects.filter(capture__article_id=capture.article_id).exclude(
        capture=capture
    )
    if pending.count() <= settings.CLAIMDESK_REANCHOR_INLINE_MAX:
        return False
    pending.update(reanchoring=True)
    return True


def finish_reanchoring(*, capture: Capture) -> list[AppearanceAnchor]:
    """The background half of mark_for_background: re-anchor the appearances onto
    `capture` and lift their mark, in one transaction. If a newer capture arrived meanwhile,
    its own job moves them (and lifts the mark)."""
    with transaction.atomic():
        records = reanchor_appearances(capture=capture)
        if capture.article.captures.latest() == capture:
            Appearance.objects.filter(
                capture__article_id=capture.article_id, reanchoring=True
            ).update(reanchoring=False)
    return records


@transaction.atomic
def reanchor_appearances(*, capture: Capture) -> list[AppearanceAnchor]:
    """Move every appearance of `capture`'s article that sits in an earlier capture onto
    `capture`, if it is the article's latest: the exact quote, else the occurrence that fits
    its context, else a fuzzy match scoring at least CLAIMDESK_ANCHOR_THRESHOLD. A found
    appearance gets the new offsets, quote, context, method and score, and the status
    `changed` when its wording differs from the original. One not found is `orphaned` and
    stays on its last capture. Every outcome is recorded (AppearanceAnchor); nothing is
    deleted."""
    if capture.article.captures.latest() != capture:
        # An older snapshot archived late: claims stay on the newer text.
        return []
    appearances = list(
        Appearance.objects.filter(capture__article_id=capture.article_id)
        .exclude(capture=capture)
        .prefetch_related(Prefetch("anchors", queryset=AppearanceAnchor.objects.order_by("pk")))
        .order_by("pk")
    )
    if not appearances:
        return []
    threshold = settings.CLAIMDESK_ANCHOR_THRESHOLD
    published = set(
        Annotation.objects.published()
        .filter(claim_id__in={a.claim_id for a in appearances})
        .values_list("claim_id", flat=True)
    )
    entries = []
    taken = set(Appearance.objects.filter(capture=capture).values_list("claim_id", "start", "end"))
    records: list[AppearanceAnchor] = []
    for appearance in appearances:
        before = appearance_state(appearance)
        history = list(appearance.anchors.all())
        if not history:
            # Marked before history was kept: its current anchoring is the original.
            records.append(
                AppearanceAnchor(
                    appearance=appearance,
                    capture_id=appearance.capture_id,
                    start=appearance.start,
                    end=appearance.end,
                    quote=appearance.quote,
                    method=appearance.anchor_method,
                    score=appearance.anchor_score,
                    status=appearance.anchor_status,
                )
            )
        original = next((h.quote for h in history if h.quote), appearance.quote)
        match = find_quote(
            capture.text,
            appearance.quote,
            prefix=appearance.prefix,
            suffix=appearance.suffix,
            threshold=threshold,
        )
        if match is not None and (appearance.claim_id, match.start, match.end) in taken:
            match = None  # the same claim is already marked there
        if match is None:
            appearance.anchor_status = Appearance.Status.ORPHANED
            appearance.anchor_method = Appearance.Method.NONE
            appearance.anchor_score = best_fuzzy_score(capture.text, appearance.quote)
            records.append(
                AppearanceAnchor(
                    appearance=appearance,
                    capture=capture,
                    quote="",
                    method=Appearance.Method.NONE,
                    score=appearance.anchor_score,
                    status=Appearance.Status.ORPHANED,
                )
            )
        else:
            quote = capture.text[match.start : match.end]
            appearance.capture = capture
            appearance.start, appearance.end, appearance.quote = match.start, match.end, quote
            appearance.prefix, appearance.suffix = quote_context(
                capture.text, match.start, match.end
            )
            appearance.anchor_method = match.method
            appearance.anchor_score = match.score
            appearance.anchor_status = (
                Appearance.Status.ANCHORED if quote == original else Appearance.Status.CHANGED
            )
            appearance.clean()
            taken.add((appearance.claim_id, match.start, match.end))
            records.append(
                AppearanceAnchor(
                    appearance=appearance,
                    capture=capture,
                    start=match.start,
                    end=match.end,
                    quote=quote,
                    method=match.method,
                    score=match.score,
                    status=appearance.anchor_status,
                )
            )
        appearance.save()
        after = appearance_state(appearance)
        reason = f"new capture {capture.pk}: {appearance.get_anchor_method_display()}"
        public = appearance.claim_id in published
        entries.append(
            claim_change(
                REANCHORING,
                "appearance",
                appearance,
                "re-anchored",
                before,
                after,
                public=public,
                reason=reason,
            )
        )
    AppearanceAnchor.objects.bulk_create(records)
    Claim.objects.filter(pk__in={a.claim_id for a in appearances}).update(updated_at=timezone.now())
    # Recorded last: the journal's listeners (the published read model) read the new state.
    journal.record_all(entries)
    return [r for r in records if r.capture_id == capture.pk]
