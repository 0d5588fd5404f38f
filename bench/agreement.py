"""The agreement report's computation on a seeded synthetic desk (no database): 10,000
claims each annotated by 5 journalists, ten tags, verdicts that agree about 70 % of the time.
It times what `GET /api/agreement/` does after its queries: rows to arrays, α for every
measure with its bootstrap interval, κ for every pair, and the spreads."""

import statistics
import time

import numpy as np

from agreement import report


def synthetic_rows(units: int, annotators: int, tags: int, seed: int = 1):
    """(annotation rows, (annotation id, tag slug) rows) as `report.load` reads them."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(report.VERDICTS), size=units)
    rows, tag_rows = [], []
    for u in range(units):
        for a in range(annotators):
            pk = u * annotators + a + 1
            agrees = rng.random() < 0.7
            verdict = truth[u] if agrees else rng.integers(0, len(report.VERDICTS))
            confidence = round(float(rng.random()), 3)
            rows.append((pk, u + 1, f"annotator-{a}", report.VERDICTS[verdict], confidence))
            tag_rows += [(pk, f"tag-{t}") for t in range(tags) if rng.random() < 0.2]
    return rows, tag_rows


def measure(units: int = 10_000, annotators: int = 5, runs: int = 3) -> dict:
    rows, tag_rows = synthetic_rows(units, annotators, 10)
    report.build(report.ratings_from_rows(rows[:100], tag_rows[:100]))  # imports, warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        report.build(report.ratings_from_rows(rows, tag_rows))
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "agreement_ms": round(statistics.median(samples), 1),
        "agreement_units": units,
        "agreement_annotators": annotators,
    }
