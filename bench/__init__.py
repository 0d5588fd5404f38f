"""The Claimdesk benchmark: a deterministic synthetic corpus (`bench.corpus`, loaded by
`bench.load`) and a runner (`bench.runner`) that measures the product from outside — through
its WSGI application, as a client would — beside the raw-SQL floor (`bench.floor`).

    python -m bench --claims 10000 --out bench/results/bench-10k.json
"""

import math

# What a run measures, in order; `python -m bench --only writes,mixed` picks some.
PARTS = ("reads", "export", "memory", "writes", "import", "agreement", "mixed")


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
