"""One JSON error shape for the API, `{"detail": "...", "errors": {field: [messages]}}`, and
the 404/500 handlers that answer JSON under /api/."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.utils.encoding import force_str
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import Conflict, PreconditionFailed, PreconditionRequired


def _messages(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def _summary(errors) -> str:
    """The first message of a DRF/Django error structure, prefixed with its field."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            inner = _summary(value)
            if field in ("non_field_errors", "detail"):
                return inner
            return f"{field}: {inner}"
    if isinstance(errors, list) and errors:
        return _summary(errors[0])
    return force_str(errors)


def exception_handler(exc, context):
    """Every error answers JSON `{"detail": "...", "errors": {field: [messages]}}` (errors
    only for invalid input) with the status that fits; nothing the user sends yields a 500."""
    headers = {}
    if isinstance(exc, PreconditionFailed):
        set_rollback()
        return Response({"detail": str(exc), **exc.data}, status=exc.status_code)
    if isinstance(exc, PreconditionRequired | Conflict):
        set_rollback()
        return Response({"detail": str(exc)}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_messages(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*(exc.args or ("Not found.",)))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, ProtectedError):
        exc = exceptions.APIException(
            "This is still referred to by other records and cannot be deleted.",
        )
        exc.status_code = status.HTTP_409_CONFLICT
    elif isinstance(exc, IntegrityError):
        exc = exceptions.APIException(
            "This conflicts with data that was stored meanwhile; reload and try again."
        )
        exc.status_code = status.HTTP_409_CONFLICT
    if not isinstance(exc, exceptions.APIException):
        return None
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{int(exc.wait)}"
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        data = {"detail": f"Invalid input: {_summary(errors)}", "errors": errors}
    else:
        data = {
            "detail": exc.detail
            if not isinstance(exc.detail, dict | list)
            else _summary(exc.detail)
        }
    set_rollback()
    return Response(data, status=exc.status_code, headers=headers)


def not_found(request, exception=None):
    """404 for URLs that match no route: JSON under /api/, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "No such endpoint or object."}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error: it has been logged."}, status=500)
    return django_server_error(request)
