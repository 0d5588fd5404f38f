"""Measure foreign-insertion detection on the translation-catalogue sentences (see
annotations.intelligence.evaluation for the procedure)."""

import json

from django.core.management.base import BaseCommand, CommandError

from annotations.intelligence.evaluation import evaluate


class Command(BaseCommand):
    help = "Report precision, recall and ms per sentence of foreign-insertion detection."

    def add_arguments(self, parser):
        parser.add_argument("--sample", type=int, help="Evaluate a seeded sample of sentences.")
        parser.add_argument("--seed", type=int, default=15, help="Seed of insertions and sample.")
        parser.add_argument(
            "--errors", type=int, default=0, help="Also list this many misses and false alarms."
        )

    def handle(self, *args, sample: int | None, seed: int, errors: int, **options):
        if sample is not None and sample < 1:
            raise CommandError("--sample must be at least 1.")
        report, mistakes = evaluate(sample=sample, seed=seed)
        self.stdout.write(json.dumps(report.as_dict()))
        for case, spans in mistakes[:errors]:
            found = ", ".join(f"{s.text} ({s.language})" for s in spans) or "nothing"
            inserted = case.text[slice(*case.inserted)] if case.inserted else "none"
            self.stdout.write(
                f"[{case.language}] inserted {inserted}, flagged {found}: {case.text}"
            )
