"""Send the daily digests of notifications that are due now. The worker does this at each
digest time by itself (notifications.tasks.send_digests, queued when there is something to
send); this command is for a task backend without a worker, or for cron. Each person's digest
goes once, however often it runs."""

import datetime as dt

from django.core.management.base import BaseCommand

from notifications.mail import digest_time, send_digests


class Command(BaseCommand):
    help = "Send the daily digests of notifications due by now (each person's once a day)."

    def handle(self, *, verbosity, **options):
        # The latest digest time that has come (CLAIMDESK_DIGEST_HOUR today, or yesterday).
        due_at = digest_time() - dt.timedelta(days=1)
        sent = send_digests(due_at)
        if verbosity:
            self.stdout.write(f"Sent {sent} digest(s) for {due_at.isoformat()}.")
