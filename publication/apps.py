"""The publication app: the published read model follows the journal, and nothing else."""

from django.apps import AppConfig


class PublicationConfig(AppConfig):
    name = "publication"

    def ready(self):
        from journal.services import on_record

        from .published import refresh_for_entries

        # The published read model follows every journaled write, in its transaction.
        on_record(refresh_for_entries)
