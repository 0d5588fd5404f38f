"""Create an API token for a user and print its key (the only time it is shown)."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import APIToken


class Command(BaseCommand):
    help = "Create an API token for a user and print its key once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for.")
        parser.add_argument(
            "--read-only", action="store_true", help="The token reads published material only."
        )

    def handle(self, *args, username: str, name: str, read_only: bool, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named “{username}”.") from None
        if not user.is_active:
            raise CommandError(f"User “{username}” is inactive.")
        try:
            token, key = APIToken.issue(user=user, name=name, read_only=read_only)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        kind = "read-only" if token.read_only else "read-write"
        self.stderr.write(f"Created {kind} token “{token.name}” for {user.username}.")
        self.stdout.write(key)
