"""API tokens: how programs authenticate. Only a SHA-256 of each key is stored; the key itself
is shown once, when the token is created."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import not_empty

KEY_PREFIX = "cd_"


def hash_key(key: str) -> str:
    # The keys are 256-bit random strings, so a fast hash is enough: there is nothing to
    # brute-force, and lookups stay one indexed equality.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class APITokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class APIToken(models.Model):
    """A named key a user gives a program; read-only keys see and do what anonymous users
    do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text="What the token is for, e.g. “nightly export”."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(
        max_length=12, editable=False, help_text="The key's first characters, to recognise it."
    )
    read_only = models.BooleanField(
        default=False, help_text="Read published material only, never write."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = APITokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            not_empty("name", "accounts_apitoken_name_not_empty"),
        ]
        indexes = [
            # A user's token list.
            models.Index(fields=["user", "-created_at"], name="accounts_apitoken_user"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_hint}…)"

    @classmethod
    def issue(cls, *, user, name: str, read_only: bool = False) -> tuple["APIToken", str]:
        """Create a token for `user`; returns it with its key, which is not stored."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        token = cls(user=user, name=name, read_only=read_only)
        token.key_hash = hash_key(key)
        token.key_hint = key[:10]
        token.full_clean()
        token.save()
        return token, key

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            APIToken.objects.filter(pk=self.pk).update(revoked_at=self.revoked_at)
