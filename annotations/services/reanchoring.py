"""Re-anchoring: a new capture of an article moves its claims' appearances onto the new text
(exact, by context, fuzzy), or marks them orphaned; never deletes one."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

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

REWORDED = "reworded"
REMOVED = "removed"


def source_edit(
    *, capture_id: int, captured_at: dt.datetime, was_found: bool, before: str, after: str | None
) -> dict | None:
    """The silent edit a re-anchoring outcome reveals, as `Claim.source_edits` keeps it, or
    None: `before` is the sentence as last found (`was_found`: found in the previous capture,
    not orphaned there), `after` the text at its new place in capture `capture_id` (None when
    it was not found). A move keeps the text, and spacing alone is no edit; a sentence
    already missing is not removed again."""
    if after is None:
        change = REMOVED if was_found else None
    elif " ".join(after.split()) != " ".join(before.split()):
        change = REWORDED
    else:
        change = None
    if change is None:
        return None
    return {
        "at": captured_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "capture": capture_id,
        "change": change,
        "before": before,
        "after": after,
    }


def source_edits_from_anchorings(
    anchorings: Iterable[tuple[int, dt.datetime, str, str]],
) -> list[dict]:
    """The silent edits an appearance's recorded anchorings show (AppearanceAnchor: capture
    id, its time, quote, status; oldest first, the original first): what re-anchoring would
    have appended, for claims re-anchored before it did (migration 0013)."""
    edits = []
    last_quote, was_found = None, False
    for capture_id, captured_at, quote, status in anchorings:
        orphaned = status == Appearance.Status.ORPHANED
        if last_quote is not None:
            edit = source_edit(
                capture_id=capture_id,
                captured_at=captured_at,
                was_found=was_found,
                before=last_quote,
                after=None if orphaned else quote,
            )
            if edit is not None:
                edits.append(edit)
        # An orphan's record has no quote (but the first record, an appearance's state when
        # history began, keeps its quote whatever its status).
        last_quote = quote or last_quote
        was_found = not orphaned
    return edits


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
    deleted. A sentence reworded or removed since the previous capture is a silent edit:
    appended to its claim's `source_edits` and journaled as the claim's "source_edited"."""
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
    edits: dict[int, list[dict]] = defaultdict(list)  # claim id → its new source edits
    for appearance in appearances:
        before = appearance_state(appearance)
        was_found = appearance.anchor_status != Appearance.Status.ORPHANED
        last_quote = appearance.quote
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
        edit = source_edit(
            capture_id=capture.pk,
            captured_at=capture.captured_at,
            was_found=was_found,
            before=last_quote,
            after=None if match is None else appearance.quote,
        )
        if edit is not None:
            edits[appearance.claim_id].append(edit)
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
    now = timezone.now()
    Claim.objects.filter(pk__in={a.claim_id for a in appearances}).update(updated_at=now)
    entries += _source_edit_entries(edits, published=published, at=now, capture=capture)
    # Recorded last: the journal's listeners (the published read model) read the new state.
    journal.record_all(entries)
    return [r for r in records if r.capture_id == capture.pk]


def _source_edit_entries(
    edits: dict[int, list[dict]], *, published: set[int], at, capture: Capture
) -> list:
    """Append each claim's new `edits` to its `source_edits` (written now), and return the
    journal entries saying so (one per claim, public when the claim is) for the caller to
    record with its own."""
    if not edits:
        return []
    # Locked, in id order as the read model locks them: a claim appearing in two articles
    # re-anchored at once gets both edits, neither overwriting the other.
    claims = list(
        Claim.objects.filter(pk__in=edits)
        .order_by("pk")
        .select_for_update(no_key=True)
        .only("pk", "created_by", "source_edits")
    )
    entries = []
    for claim in claims:
        old = list(claim.source_edits or [])
        claim.source_edits = old + edits[claim.pk]
        claim.updated_at = at
        entries.append(
            claim_change(
                REANCHORING,
                "claim",
                claim,
                "source_edited",
                {"source_edits": old},
                {"source_edits": claim.source_edits},
                public=claim.pk in published,
                reason=f"new capture {capture.pk}",
            )
        )
    Claim.objects.bulk_update(claims, ["source_edits", "updated_at"])
    return entries
