"""Delete the upload folders no queued or running import needs (the workers do it too)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from archive.imports import remove_orphaned_uploads


class Command(BaseCommand):
    help = (
        "Delete the folders under CLAIMDESK_IMPORT_DIR that no queued or running import names "
        "and that have not changed for CLAIMDESK_IMPORT_ORPHAN_AFTER seconds "
        f"({settings.CLAIMDESK_IMPORT_ORPHAN_AFTER:g}); every worker does it as it runs."
    )

    def handle(self, *args, verbosity, **options):
        removed = sorted(remove_orphaned_uploads())
        if verbosity >= 1:
            for name in removed:
                self.stdout.write(f"removed {name}")
        self.stdout.write(f"{len(removed)} orphaned upload folder(s) removed.")
