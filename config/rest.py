"""What every API endpoint shares: orjson rendering, cursor pagination that refuses bad input
with 400, one JSON error shape, and the OpenAPI hook that documents it."""

import datetime as dt
import decimal
import uuid

import django_filters
import orjson
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse, QueryDict
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, negotiation, pagination, renderers, serializers, status
from rest_framework.response import Response

from annotations.services import StaleVersionError


def set_rollback() -> None:
    """rest_framework.views.set_rollback, imported when called: importing rest_framework.views
    reads DEFAULT_RENDERER_CLASSES, which names this module, so importing it while this
    module loads fails whenever this module is the first to be imported (which depends on
    the order Django runs its system checks in)."""
    from rest_framework.views import set_rollback as rollback

    rollback()


def _default(value):
    if isinstance(value, Promise):
        return force_str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID | bytes):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(data) -> bytes:
    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


class ORJSONRenderer(renderers.JSONRenderer):
    """JSON through orjson: an order of magnitude faster than the standard library."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return dumps(data)


class ContentNegotiation(negotiation.DefaultContentNegotiation):
    """DRF's negotiation, except that an empty `?format=` is an error, not "no choice"."""

    def select_renderer(self, request, renderers, format_suffix=None):
        param = self.settings.URL_FORMAT_OVERRIDE
        if param and request.query_params.get(param) == "":
            formats = ", ".join(sorted({r.format for r in renderers if r.format != "api"}))
            raise exceptions.ValidationError(
                {param: [f"Give one of: {formats}; or leave the parameter out."]}
            )
        return super().select_renderer(request, renderers, format_suffix)


class CursorPagination(pagination.CursorPagination):
    """Stable cursor pages (no COUNT over the table); `page_size` from 1 to
    API_MAX_PAGE_SIZE, anything else is a 400."""

    page_size_query_param = "page_size"
    ordering = ("-pk",)

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        f"page_size must be a whole number from 1 to {self.max_page_size}, "
                        f"not “{raw}”."
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        invalid = exceptions.ValidationError(
            {
                self.cursor_query_param: [
                    "This cursor is not one we issued: follow the next/previous links as given."
                ]
            }
        )
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise invalid from None
        if cursor is not None and cursor.position is not None:
            # The position is compared with the ordering field; refuse one that is not a value
            # of that field rather than let the database choke on it.
            try:
                field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
                if field.primary_key and field.name != "id":
                    field = self._model._meta.pk
                field.to_python(cursor.position)
            except (DjangoValidationError, FieldDoesNotExist, ValueError, TypeError):
                raise invalid from None
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Results per page, 1 to {self.max_page_size} (default {self.page_size})."
                )
        return parameters

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["next", "previous", "results"]
        return response


MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """Filter on an object id: a whole number within the range of the database's ids (an
    unknown id matches nothing; a malformed one is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def _json_type(field) -> tuple[tuple[type, ...], str] | None:
    """The JSON types a serializer field accepts, and their name for an error message."""
    if isinstance(field, serializers.BooleanField):
        return (bool,), "true or false"
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return (int,), "a whole number"
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        return (int, float), "a number"
    if isinstance(field, serializers.ListField | serializers.ManyRelatedField):
        return (list,), "a list"
    if isinstance(
        field,
        serializers.CharField
        | serializers.ChoiceField
        | serializers.DateTimeField
        | serializers.SlugRelatedField,
    ):
        return (str,), "text"
    return None


def _type_errors(field, value) -> list[str]:
    if value is None:
        return []  # the field itself decides whether null is allowed
    expected = _json_type(field)
    if expected is None:
        return []
    types, name = expected
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        return [f"Expected {name}, not {type(value).__name__}."]
    if isinstance(field, serializers.RelatedField) and value == "":
        return ["Give a value, or null for none."]
    if isinstance(field, serializers.ListField):
        for item in value:
            if errors := _type_errors(field.child, item):
                return errors
    return []


class StrictInputMixin:
    """For input serializers: a JSON value of the wrong type is refused with a 400 instead
    of being coerced (DRF reads 0 as "0" for text and as false for a boolean)."""

    def to_internal_value(self, data):
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            errors = {
                name: messages
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and (messages := _type_errors(field, data[name]))
            }
            if errors:
                raise exceptions.ValidationError(errors)
        return super().to_internal_value(data)


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses an empty value for a typed parameter (`updated_since=`)
    instead of ignoring it."""

    def is_valid(self):
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            typed = not isinstance(filter_, django_filters.CharFilter) or isinstance(
                filter_, django_filters.ChoiceFilter
            )
            if typed and name in self.data and self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid


class UTCDateTimeField(forms.DateTimeField):
    """An ISO 8601 date-time, converted to UTC: PostgreSQL refuses offsets beyond ±15:59,
    which ISO 8601 allows."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(
                "This date-time is out of range.", code="out_of_range"
            ) from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


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
    if isinstance(exc, StaleVersionError):
        set_rollback()
        return Response(
            {"detail": str(exc), "current_version": exc.annotation.version},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
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


ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "errors": {
            "type": "object",
            "description": "For invalid input: the messages per field (`non_field_errors` "
            "for the input as a whole).",
            "additionalProperties": {},
        },
    },
}
STALE_SCHEMA = {
    "type": "object",
    "required": ["detail", "current_version"],
    "properties": {
        "detail": {"type": "string"},
        "current_version": {"type": "integer", "description": "The version now stored."},
    },
}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each field and what is wrong with it.",
    "401": "Not authenticated: log in or send `Authorization: Token <key>`.",
    "403": "Authenticated, but your role (or a read-only token) does not allow this.",
    "404": "No such object, or not visible to you.",
    "405": "This method is not allowed here.",
    "409": "Conflicts with stored data (e.g. still referred to).",
    "412": "The annotation changed since you read it (stale `version` or `If-Match`).",
    "429": "Too many requests: wait `Retry-After` seconds.",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the shared error shape
    for the statuses it can answer, and reads work without credentials."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    components["StaleVersion"] = STALE_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if method == "get" and operation.get("security") and {} not in operation["security"]:
                operation["security"].append({})
            responses = operation.setdefault("responses", {})
            # Every operation can fail on input, credentials, permissions (the token list
            # refuses read-only tokens), visibility and throttling; writes also on conflicts,
            # and annotation writes on a stale version.
            codes = [code for code in ERROR_DESCRIPTIONS if code not in ("409", "412")]
            if method != "get":
                codes.append("409")
                if "/annotations/" in path:
                    codes.append("412")
            for code in codes:
                if code in responses:
                    continue
                schema_name = "StaleVersion" if code == "412" else "Error"
                responses[code] = {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{schema_name}"}
                        }
                    },
                }
    return result


def not_found(request, exception=None):
    """404 for URLs that match no route: JSON under /api/, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "No such endpoint or object."}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error: it has been logged."}, status=500)
    return django_server_error(request)
