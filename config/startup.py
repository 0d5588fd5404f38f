"""Checks that stop a server from starting misconfigured."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_secret_key() -> None:
    """Refuse to serve without DJANGO_SECRET_KEY (outside debug there is no fallback)."""
    try:
        configured = bool(settings.SECRET_KEY)
    except ImproperlyConfigured:
        configured = False
    if not configured:
        raise ImproperlyConfigured(settings.MISSING_SECRET_KEY_MESSAGE)
