"""The agreement measures against published reference values and their edge cases."""

import time

import krippendorff
import numpy as np
import pytest

from agreement import metrics, report
from bench.agreement import synthetic_rows

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four
# observers, twelve units, values 1–5, blanks where an observer gave none.
_ = None
WORKED_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]


def ratings_of(table, *, verdicts=True, tags=None) -> metrics.Ratings:
    """Ratings from a coders × units table (None where a coder gave no value); the values
    are verdict codes 1… and the confidences alike."""
    unit, coder, value = [], [], []
    for c, row in enumerate(table):
        for u, v in enumerate(row):
            if v is not None:
                unit.append(u)
                coder.append(c)
                value.append(v)
    value = np.array(value)
    return metrics.Ratings(
        unit=np.array(unit),
        coder=np.array(coder),
        verdict=value - 1 if verdicts else np.full(len(value), -1),
        confidence=value.astype(float),
        tags=np.zeros((len(value), 0), dtype=bool) if tags is None else tags,
        unit_ids=list(range(len(table[0]))),
        coders=[f"coder{c}" for c in range(len(table))],
        verdicts=[str(v) for v in range(1, 6)],
    )


def test_the_worked_example_gives_krippendorffs_nominal_and_interval_alpha():
    result = metrics.agreement(ratings_of(WORKED_EXAMPLE))

    assert round(result["verdict"].alpha, 3) == 0.743
    assert round(result["confidence"].alpha, 3) == 0.849
    # The twelfth unit has one value: it is not pairable and does not count.
    assert result["verdict"].units == result["confidence"].units == 11


def test_the_bootstrap_formula_gives_the_librarys_alpha_on_the_whole_sample():
    data = np.array([[np.nan if v is None else v for v in row] for row in WORKED_EXAMPLE])
    r = ratings_of(WORKED_EXAMPLE)
    parts = metrics._interval_parts(r.unit, r.confidence, r.n_units)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    assert metrics._interval_alpha(parts.sum(axis=0)) == pytest.approx(expected)

    counts = np.zeros((12, 5), dtype=int)
    np.add.at(counts, (r.unit, r.verdict), 1)
    nominal = metrics._nominal_alpha(metrics._nominal_parts(counts).sum(axis=0))
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert nominal == pytest.approx(expected)


def test_the_interval_alpha_without_the_library_matches_it_on_many_values(monkeypatch):
    rng = np.random.default_rng(3)
    table = rng.integers(1, 60, size=(3, 40)).tolist()
    ratings = ratings_of(table, verdicts=False)
    with_library = metrics.agreement(ratings, resamples=10)["confidence"]
    monkeypatch.setattr(metrics, "LIBRARY_CELLS", 0)
    by_sums = metrics.agreement(ratings, resamples=10)["confidence"]
    assert by_sums.alpha == pytest.approx(with_library.alpha, abs=1e-4)


def test_the_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    r = ratings_of(WORKED_EXAMPLE)
    first = metrics.agreement(r, seed=7)["verdict"]
    again = metrics.agreement(r, seed=7)["verdict"]
    other = metrics.agreement(r, seed=8)["verdict"]

    assert first.ci95 == again.ci95
    assert first.ci95 != other.ci95
    low, high = first.ci95
    assert low <= first.alpha <= high <= 1


def kappa_ratings(pairs: dict[tuple[int, int], int]) -> metrics.Ratings:
    """Two raters' verdict codes, `count` units for each (code a, code b)."""
    a, b = [], []
    for (x, y), count in pairs.items():
        a += [x] * count
        b += [y] * count
    n = len(a)
    return metrics.Ratings(
        unit=np.concatenate([np.arange(n), np.arange(n)]),
        coder=np.repeat([0, 1], n),
        verdict=np.array(a + b),
        confidence=np.full(2 * n, 0.5),
        tags=np.zeros((2 * n, 0), dtype=bool),
        unit_ids=list(range(n)),
        coders=["ann", "bea"],
        verdicts=["yes", "no"],
    )


def test_cohens_kappa_reproduces_the_textbook_examples():
    # 50 grant proposals read by two readers (Wikipedia, "Cohen's kappa"): κ = 0.4 and,
    # with more agreement by chance, 0.1304.
    first = metrics.pairwise_kappa(kappa_ratings({(0, 0): 20, (0, 1): 5, (1, 0): 10, (1, 1): 15}))
    second = metrics.pairwise_kappa(kappa_ratings({(0, 0): 45, (0, 1): 15, (1, 0): 25, (1, 1): 15}))
    assert first == [{"a": "ann", "b": "bea", "units": 50, "kappa_verdict": 0.4}]
    assert round(second[0]["kappa_verdict"], 3) == 0.130


def test_kappa_is_null_below_ten_shared_units_and_without_variation():
    few = metrics.pairwise_kappa(kappa_ratings({(0, 0): 5, (1, 1): 4}))
    same = metrics.pairwise_kappa(kappa_ratings({(1, 1): 12}))

    assert few == [
        {"a": "ann", "b": "bea", "units": 9, "kappa_verdict": None, "reason": metrics.FEW_SHARED}
    ]
    assert same[0]["kappa_verdict"] is None and same[0]["reason"] == metrics.NO_VARIATION


def test_one_annotator_gives_no_units_and_null_measures():
    result = metrics.agreement(ratings_of([[1, 2, 3, 4]]))
    for name in ("verdict", "confidence"):
        assert result[name] == metrics.Measure(None, None, 0, metrics.NO_UNITS)


def test_identical_values_everywhere_are_null_for_lack_of_variation():
    tags = np.ones((6, 1), dtype=bool)
    r = ratings_of([[3, 3, 3], [3, 3, 3]], tags=tags)
    r.tag_slugs = ["framing"]
    result = metrics.agreement(r)

    assert result["verdict"] == metrics.Measure(None, None, 3, metrics.NO_VARIATION)
    assert result["confidence"] == metrics.Measure(None, None, 3, metrics.NO_VARIATION)
    assert result["tags"] == [("framing", metrics.Measure(None, None, 3, metrics.NO_VARIATION))]
    assert np.all(metrics.spreads(r) == 0)


def test_units_with_one_value_each_are_not_pairable():
    result = metrics.agreement(ratings_of([[1, _, 3], [_, 2, _]]))
    assert result["verdict"].alpha is None and result["verdict"].units == 0
    assert np.all(np.isnan(metrics.spreads(ratings_of([[1, _, 3], [_, 2, _]]))))


def test_a_unit_without_verdicts_still_counts_for_confidence():
    result = metrics.agreement(ratings_of([[1, 2, 4], [1, 3, 4]], verdicts=False))
    assert result["verdict"].alpha is None and result["verdict"].units == 0
    assert result["confidence"].alpha is not None and result["confidence"].units == 3


def test_spread_averages_verdict_tags_and_confidence_over_pairs():
    r = metrics.Ratings(
        unit=np.array([0, 0]),
        coder=np.array([0, 1]),
        verdict=np.array([0, 1]),
        confidence=np.array([0.9, 0.3]),
        tags=np.array([[True, True], [True, False]]),
        unit_ids=[5],
        coders=["a", "b"],
        verdicts=["x", "y"],
        tag_slugs=["s", "t"],
    )
    # verdicts differ (1), tags share one of two (0.5), confidences 0.6 apart.
    assert metrics.spreads(r)[0] == pytest.approx((1 + 0.5 + 0.6) / 3)


def test_ten_thousand_units_by_five_annotators_take_at_most_a_second():
    rows, tag_rows = synthetic_rows(10_000, 5, 10)
    report.build(report.ratings_from_rows(rows[:100], tag_rows[:100]))  # imports, warm-up
    # CPU time, not wall time: the machine running the tests may be shared.
    started = time.process_time()
    result = report.build(report.ratings_from_rows(rows, tag_rows))
    elapsed = time.process_time() - started

    assert result["units"] == 10_000 and result["annotators"] == 5
    assert 0.3 < result["verdict"]["alpha"] < 0.7
    # A generous budget (BLAS threads add up their CPU time); `python -m bench` measures it.
    assert elapsed < 3
