"""The archive app: sources, articles and their immutable captures. Its workers' sweep
(`core.schedule`) detects the languages an import left pending and no queued task settled."""

from django.apps import AppConfig


def detect_stale_languages() -> int:
    from .services import detect_stale_languages

    return detect_stale_languages()


class ArchiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "archive"

    def ready(self):
        from core import schedule

        schedule.every_tick("archive.pending_languages", detect_stale_languages)
