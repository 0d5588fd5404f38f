"""Chance-corrected agreement between annotators, on arrays (no database here): Krippendorff's
α (the `krippendorff` package) for verdicts, tags and confidence, Cohen's κ (scikit-learn) for
every two annotators, seeded bootstrap intervals over units, and each unit's spread.

A measure that cannot be computed — fewer than two units, or no variation at all — is
`Measure(alpha=None, reason=…)`, never NaN.
"""

import itertools
import warnings
from dataclasses import dataclass, field

import krippendorff
import numpy as np
from django.utils.translation import gettext

# Bootstrap resamples of the units; the seed makes every interval reproducible.
RESAMPLES = 500
SEED = 20260
# Units drawn per block of resamples: bounds the memory of the weight matrix.
BLOCK = 200
MIN_PAIR_UNITS = 10
# The largest units × values² the `krippendorff` package is given for interval data (it
# builds a values × values coincidence matrix per unit).
LIBRARY_CELLS = 2_000_000

NO_UNITS = "fewer than two units with two or more values"
NO_VARIATION = "no variation: every value is the same, so chance agreement is total"
FEW_SHARED = f"fewer than {MIN_PAIR_UNITS} shared units"


def reason_text(reason: str) -> str:
    """A reason as the pages show it, in the reader's language; the API keeps it as above."""
    texts = {
        NO_UNITS: gettext("fewer than two claims with two or more values"),
        NO_VARIATION: gettext(
            "no variation: every value is the same, so chance agreement is total"
        ),
        FEW_SHARED: gettext("fewer than %(count)d shared claims") % {"count": MIN_PAIR_UNITS},
    }
    return texts.get(reason, reason)


@dataclass(frozen=True)
class Measure:
    alpha: float | None
    ci95: list[float] | None
    units: int
    reason: str | None = None

    def as_dict(self) -> dict:
        data = {"alpha": self.alpha, "ci95": self.ci95, "units": self.units}
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass
class Ratings:
    """One row per annotation: its unit (claim), its coder (author), its verdict code (-1
    when it has none), its confidence and which tags it carries."""

    unit: np.ndarray  # int, 0 … n_units-1
    coder: np.ndarray  # int, 0 … n_coders-1
    verdict: np.ndarray  # int, -1 for none
    confidence: np.ndarray  # float
    tags: np.ndarray  # bool, annotations × tags
    unit_ids: list = field(default_factory=list)
    coders: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    tag_slugs: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)


def _round(value: float) -> float:
    return round(float(value), 4)


# Krippendorff's α from per-unit sums, so that a resample of units is a weighted sum.
#   nominal:  D_o = Σ_u (m_u² − Σ_c n_uc²)/(m_u − 1),   D_e = n² − Σ_c n_c²
#   interval: D_o = Σ_u (2 m_u Σv² − 2 (Σv)²)/(m_u − 1), D_e = 2 n Σv² − 2 (Σv)²
#   α = 1 − (n − 1) D_o / D_e, with n the number of pairable values.


def _pairable(m: np.ndarray) -> np.ndarray:
    return np.where(m >= 2, m, 0)


def _nominal_parts(counts: np.ndarray) -> np.ndarray:
    """Per unit: [D_o share, m, n_u1 … n_uV] of a units × values count matrix (units with
    fewer than two values are zero: they are not pairable)."""
    m = counts.sum(axis=1)
    keep = m >= 2
    counts = np.where(keep[:, None], counts, 0).astype(float)
    m = _pairable(m).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(keep, (m**2 - (counts**2).sum(axis=1)) / (m - 1), 0.0)
    return np.column_stack([d, m, counts])


def _nominal_alpha(sums: np.ndarray) -> np.ndarray:
    d, n, totals = sums[..., 0], sums[..., 1], sums[..., 2:]
    expected = n**2 - (totals**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1 - (n - 1) * d / expected, np.nan)


def _interval_parts(unit: np.ndarray, values: np.ndarray, n_units: int) -> np.ndarray:
    """Per unit: [D_o share, m, Σv, Σv²] of the values (units with fewer than two: zero)."""
    m = np.bincount(unit, minlength=n_units).astype(float)
    s1 = np.bincount(unit, weights=values, minlength=n_units)
    s2 = np.bincount(unit, weights=values**2, minlength=n_units)
    keep = m >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(keep, (2 * m * s2 - 2 * s1**2) / (m - 1), 0.0)
    zero = ~keep
    m[zero] = s1[zero] = s2[zero] = 0.0
    return np.column_stack([d, m, s1, s2])


def _interval_alpha(sums: np.ndarray) -> np.ndarray:
    d, n, s1, s2 = sums[..., 0], sums[..., 1], sums[..., 2], sums[..., 3]
    expected = 2 * n * s2 - 2 * s1**2
    with np.errstate(divide="ignore", invalid="ignore"):
        # Rounding leaves a hair of expected disagreement where there is none.
        return np.where(expected > 1e-9 * np.maximum(n, 1) ** 2, 1 - (n - 1) * d / expected, np.nan)


def _bootstrap(parts: list[np.ndarray], n_units: int, resamples: int, seed: int) -> np.ndarray:
    """The per-unit parts summed over `resamples` resamples of the units (with replacement):
    an array resamples × columns, the columns of `parts` side by side."""
    stacked = np.hstack(parts)
    if n_units == 0:
        return np.zeros((0, stacked.shape[1]))
    rng = np.random.default_rng(seed)
    sums = np.empty((resamples, stacked.shape[1]))
    for start in range(0, resamples, BLOCK):
        b = min(BLOCK, resamples - start)
        drawn = rng.integers(0, n_units, size=(b, n_units))
        offsets = (np.arange(b) * n_units)[:, None]
        weights = np.bincount((drawn + offsets).ravel(), minlength=b * n_units)
        sums[start : start + b] = weights.reshape(b, n_units).astype(float) @ stacked
    return sums


def _interval(samples: np.ndarray) -> list[float] | None:
    samples = samples[~np.isnan(samples)]
    if samples.size == 0:
        return None
    low, high = np.percentile(samples, [2.5, 97.5])
    return [_round(low), _round(high)]


def _library_alpha(counts: np.ndarray, level: str, domain=None) -> float:
    kwargs = {"value_domain": domain} if domain is not None else {}
    return float(krippendorff.alpha(value_counts=counts, level_of_measurement=level, **kwargs))


def _measure(point: float | None, samples: np.ndarray, units: int, reason: str | None) -> Measure:
    if point is None:
        return Measure(None, None, units, reason)
    ci = _interval(samples)
    return Measure(_round(point), ci, units, None if ci else "no resample could be scored")


def _nominal_measure(counts: np.ndarray) -> tuple[float | None, int, str]:
    """The library's α of a count matrix, or None with the reason."""
    pairable = counts[counts.sum(axis=1) >= 2]
    units = len(pairable)
    if units < 2:
        return None, units, NO_UNITS
    if np.count_nonzero(pairable.sum(axis=0)) < 2:
        return None, units, NO_VARIATION
    used = pairable[:, pairable.sum(axis=0) > 0]
    return _library_alpha(used, "nominal"), units, ""


def agreement(
    ratings: Ratings, *, resamples: int = RESAMPLES, seed: int = SEED
) -> dict[str, Measure | list]:
    """α with its 95 % interval for the verdict, the confidence and each tag."""
    n_units = ratings.n_units
    unit = ratings.unit

    has_verdict = ratings.verdict >= 0
    verdict_counts = np.zeros((n_units, max(len(ratings.verdicts), 1)), dtype=np.int64)
    np.add.at(verdict_counts, (unit[has_verdict], ratings.verdict[has_verdict]), 1)

    m_all = np.bincount(unit, minlength=n_units)
    present = np.zeros((n_units, len(ratings.tag_slugs)), dtype=np.int64)
    np.add.at(present, unit, ratings.tags.astype(np.int64))

    parts = [_nominal_parts(verdict_counts), _interval_parts(unit, ratings.confidence, n_units)]
    for t in range(len(ratings.tag_slugs)):
        parts.append(_nominal_parts(np.column_stack([m_all - present[:, t], present[:, t]])))
    widths = np.cumsum([0] + [p.shape[1] for p in parts])
    sums = _bootstrap(parts, n_units, resamples, seed)

    def columns(i: int) -> np.ndarray:
        return sums[:, widths[i] : widths[i + 1]]

    point, units, reason = _nominal_measure(verdict_counts)
    verdict = _measure(point, _nominal_alpha(columns(0)), units, reason)

    confidence = _confidence_measure(ratings, m_all, _interval_alpha(columns(1)))

    tags = []
    for t, slug in enumerate(ratings.tag_slugs):
        counts = np.column_stack([m_all - present[:, t], present[:, t]])
        point, units, reason = _nominal_measure(counts)
        tags.append((slug, _measure(point, _nominal_alpha(columns(2 + t)), units, reason)))
    return {"verdict": verdict, "confidence": confidence, "tags": tags}


def _confidence_measure(ratings: Ratings, m_all: np.ndarray, samples: np.ndarray) -> Measure:
    keep = m_all[ratings.unit] >= 2
    units = int(np.count_nonzero(m_all >= 2))
    if units < 2:
        return Measure(None, None, units, NO_UNITS)
    values = ratings.confidence[keep]
    domain, codes = np.unique(values, return_inverse=True)
    if domain.size < 2:
        return Measure(None, None, units, NO_VARIATION)
    # The coders × units table the library expects, with NaN where a coder gave no value.
    columns = np.unique(ratings.unit[keep], return_inverse=True)[1]
    table = np.full((len(ratings.coders), units), np.nan)
    table[ratings.coder[keep], columns] = domain[codes]
    if units * domain.size**2 <= LIBRARY_CELLS:
        point = float(krippendorff.alpha(reliability_data=table, level_of_measurement="interval"))
    else:
        # The library holds a values × values matrix per unit: too big here. The same α
        # from per-unit sums (tests hold the two equal).
        parts = _interval_parts(ratings.unit[keep], values, len(m_all))
        point = float(_interval_alpha(parts.sum(axis=0)))
    return _measure(point, samples, units, None)


def pairwise_kappa(ratings: Ratings) -> list[dict]:
    """Cohen's κ on verdicts for every two annotators who share a unit, by username; null
    with the reason below MIN_PAIR_UNITS shared units or without variation."""
    from sklearn.metrics import cohen_kappa_score  # imported on use: it loads slowly

    table = np.full((len(ratings.coders), ratings.n_units), -1, dtype=np.int64)
    has_verdict = ratings.verdict >= 0
    table[ratings.coder[has_verdict], ratings.unit[has_verdict]] = ratings.verdict[has_verdict]
    rated = table >= 0
    shared = rated.astype(np.int64) @ rated.T.astype(np.int64)
    order = sorted(range(len(ratings.coders)), key=lambda i: ratings.coders[i])
    pairs = []
    for a, b in itertools.combinations(order, 2):
        units = int(shared[a, b])
        if units == 0:
            continue
        pair = {"a": ratings.coders[a], "b": ratings.coders[b], "units": units}
        if units < MIN_PAIR_UNITS:
            pairs.append({**pair, "kappa_verdict": None, "reason": FEW_SHARED})
            continue
        both = rated[a] & rated[b]
        x, y = table[a, both], table[b, both]
        if np.unique(np.concatenate([x, y])).size < 2:
            pairs.append({**pair, "kappa_verdict": None, "reason": NO_VARIATION})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            kappa = cohen_kappa_score(x, y)
        if np.isnan(kappa):
            pairs.append({**pair, "kappa_verdict": None, "reason": NO_VARIATION})
        else:
            pairs.append({**pair, "kappa_verdict": _round(kappa)})
    return pairs


def spreads(ratings: Ratings) -> np.ndarray:
    """Each unit's spread, from 0 (every two annotators gave the same verdict, tags and
    confidence) to 1 (every two differ completely): over the pairs of annotators of the
    unit, the mean of the verdict mismatch (0 or 1, when both gave one), the Jaccard
    distance between their tags and the difference between their confidences. NaN for a
    unit with fewer than two annotations."""
    n_units = ratings.n_units
    order = np.argsort(ratings.unit, kind="stable")
    unit = ratings.unit[order]
    sizes = np.bincount(unit, minlength=n_units)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(unit.size) - starts[unit]
    width = int(sizes.max()) if unit.size else 0

    present = np.zeros((n_units, width), dtype=bool)
    verdict = np.full((n_units, width), -1, dtype=np.int64)
    confidence = np.zeros((n_units, width))
    tags = np.zeros((n_units, width, ratings.tags.shape[1]), dtype=bool)
    present[unit, rank] = True
    verdict[unit, rank] = ratings.verdict[order]
    confidence[unit, rank] = ratings.confidence[order]
    tags[unit, rank] = ratings.tags[order]

    total = np.zeros(n_units)
    pairs = np.zeros(n_units)
    for i, j in itertools.combinations(range(width), 2):
        both = present[:, i] & present[:, j]
        both_verdicts = both & (verdict[:, i] >= 0) & (verdict[:, j] >= 0)
        union = (tags[:, i] | tags[:, j]).sum(axis=1)
        common = (tags[:, i] & tags[:, j]).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            jaccard = np.where(union > 0, 1 - common / union, 0.0)
        mismatch = (verdict[:, i] != verdict[:, j]).astype(float)
        parts = jaccard + np.abs(confidence[:, i] - confidence[:, j])
        parts += np.where(both_verdicts, mismatch, 0.0)
        count = 2 + both_verdicts
        total += np.where(both, parts / count, 0.0)
        pairs += both
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pairs > 0, total / pairs, np.nan)
