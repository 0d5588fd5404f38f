"""The webhooks app: deliveries follow the journal, around the published read model."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        from core import schedule
        from journal.services import on_record

        from .events import deliveries_for_entries, note_public_before
        from .tasks import enqueue_overdue

        # The read model is refreshed between the two (PublicationConfig.ready registers it,
        # and publication comes first in INSTALLED_APPS): what was public before the write is
        # read before, what is public after, after.
        on_record(note_public_before, first=True)
        on_record(deliveries_for_entries)
        # Deliveries whose worker died, or whose task was lost, are sent again.
        schedule.every_tick("webhooks", lambda: len(enqueue_overdue()))
