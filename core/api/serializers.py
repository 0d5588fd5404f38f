"""Strict input for write serializers: a JSON value of the wrong type is a 400, not
coerced."""

from django.http import QueryDict
from rest_framework import exceptions, serializers


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
