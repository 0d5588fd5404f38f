"""The notifications app: people's inboxes and mail follow the journal, and nothing else."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self):
        from journal.services import on_record

        from .inbox import notify_for_entries

        # Every journaled write that concerns someone lands in their inbox, in its transaction.
        on_record(notify_for_entries)
