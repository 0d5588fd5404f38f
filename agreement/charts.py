"""The agreement page's charts as geometry for inline SVG (the templates draw them with SVG
attributes only: the CSP forbids inline styles and the page runs no script): the pairwise κ
matrix as a heat map, and confidence as a scatter of one annotator against another."""

import numpy as np
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from agreement.metrics import Ratings, reason_text

CELL = 44  # px, one square of the heat map
CHAR = 7  # px, a generous width of one character of a 12 px label
PLOT = 320  # px, the scatter's square
MARGIN = 40
MAX_POINTS = 2000  # beyond this the scatter samples (deterministically) for page weight


def kappa_colour(kappa: float | None) -> str:
    """Blue for agreement, white for chance, red for worse than chance, grey if undefined."""
    if kappa is None:
        return "#e4e4e4"
    k = max(-1.0, min(1.0, kappa))
    if k >= 0:
        r = g = round(255 - 200 * k)
        return f"#{r:02x}{g:02x}ff"
    g = b = round(255 + 200 * k)
    return f"#ff{g:02x}{b:02x}"


def heat_map(pairs: list[dict]) -> dict | None:
    """Cells of the symmetric annotator × annotator κ matrix (None with fewer than two)."""
    names = sorted({p["a"] for p in pairs} | {p["b"] for p in pairs})
    if len(names) < 2:
        return None
    index = {name: i for i, name in enumerate(names)}
    # Room for the longest name, whole: left of the rows and, turned 45°, above the columns
    # (the last column's label reaches past the grid to the right).
    longest = CHAR * max(len(name) for name in names)
    label = max(60, longest + 12)
    cells = []
    for pair in pairs:
        kappa = pair["kappa_verdict"]
        text = number_format(kappa, 2) if kappa is not None else str(pair["units"])
        title = ngettext(
            "%(a)s and %(b)s: κ %(kappa)s on %(units)d shared claim",
            "%(a)s and %(b)s: κ %(kappa)s on %(units)d shared claims",
            pair["units"],
        ) % {"a": pair["a"], "b": pair["b"], "kappa": text, "units": pair["units"]}
        if pair.get("reason"):
            title += f" ({reason_text(pair['reason'])})"
        for row, col in ((pair["a"], pair["b"]), (pair["b"], pair["a"])):
            cells.append(
                {
                    "x": label + index[col] * CELL,
                    "y": label + index[row] * CELL,
                    "fill": kappa_colour(kappa),
                    "text": text,
                    "title": title,
                    "dark": kappa is not None and abs(kappa) > 0.6,
                    # No κ: the cell shows how many claims the two share, in italics.
                    "shared_only": kappa is None,
                }
            )
    size = label + len(names) * CELL
    return {
        "width": size + round(0.71 * longest) + 4,
        "height": size + 4,
        "cell": CELL,
        "half": CELL // 2,
        "cells": cells,
        "rows": [
            {"name": n, "y": label + i * CELL + CELL // 2 + 4, "x": label + i * CELL + CELL // 2}
            for i, n in enumerate(names)
        ],
        "label": label,
        "diagonal": [{"x": label + i * CELL, "y": label + i * CELL} for i in range(len(names))],
    }


def busiest_pair(ratings: Ratings) -> tuple[str, str] | None:
    """The two annotators who share the most claims."""
    n = len(ratings.coders)
    if n < 2:
        return None
    table = np.zeros((n, ratings.n_units), dtype=np.int64)
    table[ratings.coder, ratings.unit] = 1
    shared = table @ table.T
    np.fill_diagonal(shared, -1)
    a, b = np.unravel_index(np.argmax(shared), shared.shape)
    if shared[a, b] <= 0:
        return None
    return tuple(sorted((ratings.coders[a], ratings.coders[b])))


def scatter(ratings: Ratings, a: str, b: str) -> dict | None:
    """Points (one per claim both annotated) of `a`'s confidence (x) against `b`'s (y)."""
    if a not in ratings.coders or b not in ratings.coders or a == b:
        return None
    ia, ib = ratings.coders.index(a), ratings.coders.index(b)
    x = np.full(ratings.n_units, np.nan)
    y = np.full(ratings.n_units, np.nan)
    x[ratings.unit[ratings.coder == ia]] = ratings.confidence[ratings.coder == ia]
    y[ratings.unit[ratings.coder == ib]] = ratings.confidence[ratings.coder == ib]
    both = np.flatnonzero(~np.isnan(x) & ~np.isnan(y))
    if both.size == 0:
        return None
    shown = both
    if both.size > MAX_POINTS:
        shown = np.sort(np.random.default_rng(0).choice(both, MAX_POINTS, replace=False))
    points = [
        {
            "cx": round(MARGIN + float(x[u]) * PLOT, 1),
            "cy": round(MARGIN + (1 - float(y[u])) * PLOT, 1),
            "title": gettext("claim %(claim)s: %(a)s %(x)s, %(b)s %(y)s")
            % {
                "claim": ratings.unit_ids[u],
                "a": a,
                "x": number_format(float(x[u]), 2),
                "b": b,
                "y": number_format(float(y[u]), 2),
            },
        }
        for u in shown
    ]
    ticks = [
        {"value": number_format(f"{v:g}"), "pos": MARGIN + v * PLOT, "inv": MARGIN + (1 - v) * PLOT}
        for v in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {
        "a": a,
        "b": b,
        "shared": int(both.size),
        "shown": len(points),
        "points": points,
        "ticks": ticks,
        "size": PLOT + 2 * MARGIN,
        "low": MARGIN,
        "high": MARGIN + PLOT,
        "middle": MARGIN + PLOT // 2,
    }
