"""Measure foreign-insertion detection on the translation-catalogue sentences, on the held-out
and the tuning part separately (see annotations.intelligence.evaluation for the procedure)."""

import json

from django.core.management.base import BaseCommand, CommandError

from annotations.intelligence.evaluation import (
    HELD_OUT,
    PARTS,
    TARGET_MS_PER_SENTENCE,
    TARGET_PRECISION,
    TARGET_RECALL,
    TUNING,
    evaluate,
)


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

    def handle(self, *args, part: str | None, sample: int | None, seed: int, errors: int, **_):
        if sample is not None and sample < 1:
            raise CommandError("--sample must be at least 1.")
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

    def _list(self, mistakes: list[tuple]) -> None:
        for case, spans in mistakes:
            found = ", ".join(f"{s.text} ({s.language})" for s in spans) or "nothing"
            inserted = case.text[slice(*case.inserted)] if case.inserted else "none"
            self.stdout.write(
                f"[{case.language}] inserted {inserted}, flagged {found}: {case.text}"
            )
