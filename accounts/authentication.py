"""DRF authentication with API tokens (`Authorization: Token <key>` or `Bearer <key>`) and the
gate that keeps read-only tokens from writing."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from core import replica

from .models import APIToken, hash_key
from .roles import AnyUser, role_memberships, roles_annotated

# last_used_at is a hint for the owner, not an audit log: write it at most once a minute so a
# busy program does not turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class APITokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: expected “Token <key>”."
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        # One query: the token, its user and the user's roles.
        token = (
            APIToken.objects.active()
            .select_related("user")
            .annotate(**role_memberships("user_id"))
            .filter(key_hash=hash_key(key))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        roles_annotated(token.user, token)
        if token.read_only:
            replica.reads_as_anonymous(request)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


def is_read_only_token(request) -> bool:
    return isinstance(request.auth, APIToken) and request.auth.read_only


def viewer(request) -> AnyUser:
    """Whose eyes a request reads with: a read-only token sees what an anonymous user sees."""
    if is_read_only_token(request):
        return AnonymousUser()
    return request.user


class ReadOnlyTokenCannotWrite(permissions.BasePermission):
    """The project default: anyone may read (what they see is filtered by role); writing needs
    a login or a token that is not read-only. Role rules for each write are enforced by the
    services."""

    message = "This token is read-only: it cannot change anything."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Log in or send an API token to change anything.")
        return not is_read_only_token(request)


class APITokenScheme(OpenApiAuthenticationExtension):
    target_class = APITokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`); create keys at /api/tokens/.",
        }
