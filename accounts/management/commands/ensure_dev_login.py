"""Make sure local development logins exist, one per role, and print them."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from accounts.roles import EDITORS, JOURNALISTS, grant

# (username, role group or None for an admin). The password equals the username.
DEV_LOGINS = (("admin", None), ("editor", EDITORS), ("journalist", JOURNALISTS))


class Command(BaseCommand):
    help = "Create the local development logins (admin, editor, journalist); DEBUG only."

    def add_arguments(self, parser):
        parser.add_argument(
            "--site",
            default="http://127.0.0.1:8000",
            help="Where the server listens, for the message (make run passes its HOST and PORT).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Development logins are only for local use: set DJANGO_DEBUG=1. In production "
                "create real accounts with `manage.py createsuperuser` and the admin."
            )
        for username, group in DEV_LOGINS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": group is None, "is_superuser": group is None},
            )
            if created:
                user.set_password(username)
                user.save(update_fields=["password"])
                if group:
                    grant(user, group)
                note = f"password: {username}"
            else:
                note = "already exists, password unchanged"
            self.stdout.write(f"  {username:<11} ({group or 'admin'}) {note}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Log in at {options['site'].rstrip('/')}/accounts/login/ with one of the "
                "above (the admin also at /admin/)."
            )
        )
