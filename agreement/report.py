"""The agreement report of a set of claims: which annotations count (one per author, by status),
read in three flat queries, turned into `metrics.Ratings`, and the payload of
`GET /api/agreement/` (the page shows the same dict)."""

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery

from accounts.actors import SYSTEM_NAMES
from agreement import metrics
from annotations.models import Annotation, Claim

# Which annotations count unless `status` says otherwise: those their authors stand by.
DEFAULT_STATUSES = (Annotation.Status.SUBMITTED, Annotation.Status.PUBLISHED)
VERDICTS = list(Annotation.Verdict.values)
DISAGREEMENTS = 20  # claims listed, strongest disagreement first

# One row per annotation: (annotation id, claim id, author's username, verdict, confidence).
Row = tuple[int, int, str, str, Decimal | float]


def counted_annotations(claims: QuerySet[Claim], statuses: Sequence[str]) -> QuerySet:
    """The living annotations by people with one of `statuses` of those `claims` that have
    at least two of them: the units of agreement. The units' ids are read first, in a query
    of their own: a filtered `claims` may carry SQL (full-text search) that cannot run as a
    subquery."""
    # Seeded examples are Claimdesk's, not an annotator's: they would count as a person.
    counted = (
        Annotation.objects.alive()
        .filter(status__in=statuses)
        .exclude(author__username__in=SYSTEM_NAMES)
    )
    per_claim = (
        counted.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    units = list(
        claims.order_by()
        .annotate(counted=Subquery(per_claim, output_field=IntegerField()))
        .filter(counted__gte=2)
        .values_list("pk", flat=True)
    )
    return counted.filter(claim_id__any=units)


def load(claims: QuerySet[Claim], statuses: Sequence[str]) -> metrics.Ratings:
    """The ratings of the units among `claims`, in three queries: the units, their
    annotations, their tags."""
    annotations = counted_annotations(claims, statuses)
    rows = list(
        annotations.order_by("claim_id", "author__username").values_list(
            "pk", "claim_id", "author__username", "verdict", "confidence"
        )
    )
    tag_rows = list(
        Annotation.tags.through.objects.filter(annotation__in=annotations.values("pk")).values_list(
            "annotation_id", "tag__slug"
        )
    )
    return ratings_from_rows(rows, tag_rows)


def ratings_from_rows(rows: Sequence[Row], tag_rows: Sequence[tuple[int, str]]) -> metrics.Ratings:
    """Rows (and (annotation id, tag slug) pairs) as numbered arrays."""
    ids, claims, authors, verdicts, confidences = (
        map(list, zip(*rows, strict=True)) if rows else ([], [], [], [], [])
    )
    unit_ids, unit = np.unique(np.array(claims, dtype=np.int64), return_inverse=True)
    coders = sorted(set(authors))
    coder_index = {name: i for i, name in enumerate(coders)}
    verdict_index = {value: i for i, value in enumerate(VERDICTS)}

    tag_ids, slugs = (list(c) for c in zip(*tag_rows, strict=True)) if tag_rows else ([], [])
    ids = np.array(ids, dtype=np.int64)
    order = np.argsort(ids)
    at = np.searchsorted(ids[order], np.array(tag_ids, dtype=np.int64))
    known = at < ids.size
    known[known] = ids[order][at[known]] == np.array(tag_ids, dtype=np.int64)[known]
    tag_slugs, tag_column = np.unique(np.array(slugs, dtype=str)[known], return_inverse=True)
    tags = np.zeros((ids.size, tag_slugs.size), dtype=bool)
    tags[order[at[known]], tag_column] = True
    return metrics.Ratings(
        unit=unit.astype(np.int64),
        coder=np.array([coder_index[name] for name in authors], dtype=np.int64),
        verdict=np.array([verdict_index.get(v, -1) for v in verdicts], dtype=np.int64),
        confidence=np.array(confidences, dtype=float),
        tags=tags,
        unit_ids=unit_ids.tolist(),
        coders=coders,
        verdicts=VERDICTS,
        tag_slugs=tag_slugs.tolist(),
    )


def build(
    ratings: metrics.Ratings,
    *,
    resamples: int = metrics.RESAMPLES,
    seed: int = metrics.SEED,
    disagreements: int = DISAGREEMENTS,
) -> dict:
    """The report as the API answers it."""
    measures = metrics.agreement(ratings, resamples=resamples, seed=seed)
    spread = metrics.spreads(ratings)
    disagreeing = [i for i in np.argsort(-np.nan_to_num(spread), kind="stable") if spread[i] > 0]
    return {
        "units": ratings.n_units,
        "annotators": len(ratings.coders),
        "verdict": measures["verdict"].as_dict(),
        "confidence": measures["confidence"].as_dict(),
        "tags": [{"slug": slug, **measure.as_dict()} for slug, measure in measures["tags"]],
        "pairs": metrics.pairwise_kappa(ratings),
        "disagreements": [
            {"claim": ratings.unit_ids[i], "spread": round(float(spread[i]), 4)}
            for i in disagreeing[:disagreements]
        ],
    }


def agreement_report(claims: QuerySet[Claim], statuses: Sequence[str] = DEFAULT_STATUSES) -> dict:
    """The agreement report of `claims`, counting annotations with one of `statuses`."""
    return build(load(claims, statuses))
