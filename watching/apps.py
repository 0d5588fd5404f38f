from django.apps import AppConfig


class WatchingConfig(AppConfig):
    name = "watching"
    verbose_name = "Watching the news"

    def ready(self):
        from core import schedule

        from .schedule import run_due

        # Every worker, between its jobs: due watches and re-captures, each taken by lease.
        schedule.every_tick("watching", run_due)
