"""Refresh the statistics that choose how search finds frequent words (PostgreSQL)."""

from django.core.management.base import BaseCommand
from django.db import connection

from annotations.search import term_frequencies


class Command(BaseCommand):
    help = (
        "ANALYZE the claims' and quotes' search vectors, whose most common words choose how "
        "search looks for them (autovacuum does it too, as the tables change); with words, "
        "print the share of claims each is in."
    )

    def add_arguments(self, parser):
        parser.add_argument("words", nargs="*", help="words or phrases to report on")

    def handle(self, *args, words: list[str], **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to do: full-text statistics are PostgreSQL's.")
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE annotations_claim (search_vector), annotations_appearance (search_vector)"
            )
        self.stdout.write("Analysed the claims' and quotes' search vectors.")
        for word, share in term_frequencies(words).items():
            self.stdout.write(f"{word}: {share:.2%}")
