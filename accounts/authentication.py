"""DRF authentication — API tokens (`Authorization: Token <key>` or `Bearer <key>`) and the
browser's session — and the gate that keeps read-only tokens from writing.

A request that carries neither credential (no Authorization header, no session cookie) is
anonymous without any look-up: each class sees at once that its credential is absent, so no
session is loaded and no user or token is read. The public's reads, the many, pay nothing for
authentication."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
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
        if "HTTP_AUTHORIZATION" not in request.META:
            return None
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


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (a logged-in browser; CSRF checked on writes), which looks
    the session up only when the request carries the session cookie: without it nobody is
    logged in."""

    def authenticate(self, request):
        django_request = request._request
        if settings.SESSION_COOKIE_NAME not in django_request.COOKIES:
            # The answer still depends on the cookie (a session would change it): say so as
            # reading the session says it, with `Vary: Cookie` (SessionMiddleware).
            session = getattr(django_request, "session", None)
            if session is not None:
                session.accessed = True
            return None
        return super().authenticate(request)


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


class SessionCookieScheme(SessionScheme):
    """The schema's `cookieAuth`, as for DRF's own session authentication."""

    target_class = SessionAuthentication
    priority = 0
