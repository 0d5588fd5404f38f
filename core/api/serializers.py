"""Strict input for write serializers: a JSON value of the wrong type, or a field the
endpoint does not accept, is a 400 — never coerced or silently ignored."""

import re

from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from core.models import SLUG_MAX_LENGTH

from .filters import SLUG_PATTERN


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


# Form fields a browser or Django's test client may add to a multipart body.
IGNORED_FORM_FIELDS = {"csrfmiddlewaretoken"}


class StrictInputMixin:
    """For input serializers: a JSON value of the wrong type is refused with a 400 instead
    of being coerced (DRF reads 0 as "0" for text and as false for a boolean), and so is a
    field that is unknown or read-only (DRF ignores them: `{"status": "published"}` would
    answer 200 having changed nothing)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = set(data.keys()) - writable - IGNORED_FORM_FIELDS
            if unknown:
                accepted = ", ".join(sorted(writable)) or "none"
                raise exceptions.ValidationError(
                    {
                        name: [
                            "This field is unknown or read-only here; "
                            f"the fields accepted are: {accepted}."
                        ]
                        for name in sorted(unknown)
                    }
                )
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


@extend_schema_field({"type": "string", "pattern": SLUG_PATTERN, "maxLength": SLUG_MAX_LENGTH})
class SlugRelatedField(serializers.SlugRelatedField):
    """An object named by its slug. Something that cannot be a slug is a 400 before any
    query (PostgreSQL refuses a NUL in a lookup), and the schema states the slug's form."""

    def to_internal_value(self, data):
        if isinstance(data, str) and (
            len(data) > SLUG_MAX_LENGTH or not re.match(SLUG_PATTERN, data)
        ):
            self.fail("invalid")
        return super().to_internal_value(data)
