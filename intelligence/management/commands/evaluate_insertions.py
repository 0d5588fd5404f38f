"""Measure foreign-insertion detection on the translation-catalogue sentences, on the held-out
and the tuning part separately (see intelligence.evaluation for the procedure)."""

import json

from django.core.management.base import BaseCommand, CommandError

from intelligence.evaluation import (
    HELD_OUT,
    PARTS,
    TARGET_MS_PER_SENTENCE,
    TARGET_PRECISION,
    TARGET_RECALL,
    TUNING,
    evaluate,
    grid,
)
from intelligence.insertions import MARGIN, NATIVE_ZIPF


class Command(BaseCommand):
    help = (
        "Report precision, recall and ms per sentence of foreign-insertion detection on the "
        "held-out part of the test set (where the targets are checked) and on the tuning part."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--part", choices=PARTS, help="Evaluate only this part (default: both)."
        )
        parser.add_argument(
            "--sample", type=int, help="Evaluate a seeded sample of each part's sentences."
        )
        parser.add_argument("--seed", type=int, default=15, help="Seed of insertions and sample.")
        parser.add_argument(
            "--errors",
            type=int,
            default=0,
            help="Also list this many misses and false alarms of the tuning part (reading the "
            "held-out part's mistakes would tune on it).",
        )
        parser.add_argument(
            "--grid",
            action="store_true",
            help="Instead, report the tuning part under each pair of thresholds of the grid "
            "the detector's thresholds are chosen from.",
        )

    def handle(self, *args, part, sample, seed: int, errors: int, grid: bool, **_):
        if sample is not None and sample < 1:
            raise CommandError("--sample must be at least 1.")
        if grid:
            self._grid(sample, seed)
            return
        if errors and part == HELD_OUT:
            raise CommandError("--errors lists the tuning part's mistakes; drop --part held-out.")
        for name in [part] if part else PARTS:
            report, mistakes = evaluate(part=name, sample=sample, seed=seed)
            self.stdout.write(json.dumps({"part": name, **report.as_dict()}))
            if name == HELD_OUT:
                verdict = "meets" if report.meets_targets() else "MISSES"
                self.stdout.write(
                    f"The held-out part {verdict} the targets: precision ≥ {TARGET_PRECISION}, "
                    f"recall ≥ {TARGET_RECALL}, ≤ {TARGET_MS_PER_SENTENCE:g} ms per sentence."
                )
            if name == TUNING:
                self._list(mistakes[:errors])

    def _grid(self, sample: int | None, seed: int) -> None:
        for native, margin, report in grid(sample=sample, seed=seed):
            row = {"part": TUNING, "native_zipf": native, "margin": margin}
            row.update(precision=round(report.precision, 3), recall=round(report.recall, 3))
            if (native, margin) == (NATIVE_ZIPF, MARGIN):
                row["chosen"] = True
            self.stdout.write(json.dumps(row))

    def _list(self, mistakes: list[tuple]) -> None:
        for case, spans in mistakes:
            found = ", ".join(f"{s.text} ({s.language})" for s in spans) or "nothing"
            inserted = case.text[slice(*case.inserted)] if case.inserted else "none"
            self.stdout.write(
                f"[{case.language}] inserted {inserted}, flagged {found}: {case.text}"
            )
