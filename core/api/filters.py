"""Filters for the API's query parameters: ids in the database's range, date-times in UTC,
a FilterSet that refuses an empty typed parameter, and the backend that builds a filter set
only for a request that names one of its parameters."""

import copy
import datetime as dt
from functools import cache

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.http import QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.drainage import set_override
from drf_spectacular.utils import extend_schema_field

from core.models import MAX_ID

from .schema import ID_SCHEMA


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.Filter):
    """Filter on an object id: a whole number within the range of the database's ids (an
    unknown id matches nothing; a malformed one is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


# A slug as the models store it (SlugField): tags' and sources'.
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# The longest date-time parameter: ISO 8601 with microseconds and an offset takes 32.
DATETIME_MAX_LENGTH = 40


class TextFilter(django_filters.CharFilter):
    """A text parameter of at most `max_length` characters, matching `pattern` if given: the
    schema states both and anything else is a 400, so that every request the schema allows
    fits the server's request line (gunicorn.conf.py)."""

    def __init__(self, *args, max_length: int, pattern: str | None = None, **kwargs):
        if pattern is not None:
            kwargs.setdefault("validators", []).append(RegexValidator(pattern))
        super().__init__(*args, max_length=max_length, **kwargs)
        self.pattern = pattern
        schema = {"type": "string", "maxLength": max_length}
        if pattern is not None:
            schema["pattern"] = pattern
        set_override(self, "field", schema)


class RepeatableChoiceFilter(django_filters.Filter):
    """A parameter repeated for any of several of its choices (`status=a&status=b`), at most
    as many times as there are choices: the schema states the bound and more is a 400.
    (django-filter's MultipleChoiceFilter, whose schema drf-spectacular leaves unbounded.)"""

    field_class = forms.MultipleChoiceField

    def __init__(self, *args, choices, **kwargs):
        most = len(choices)

        def at_most(values):
            if len(values) > most:
                raise forms.ValidationError(f"At most {most} values.", code="max_items")

        kwargs.setdefault("validators", []).append(at_most)
        kwargs.setdefault("lookup_expr", "in")
        super().__init__(*args, choices=choices, **kwargs)
        set_override(
            self,
            "field",
            {
                "type": "array",
                "items": {"type": "string", "enum": [value for value, _ in choices]},
                "maxItems": most,
            },
        )


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses an empty value for a typed parameter (`updated_since=`, or a
    text with a pattern such as `language=`) instead of ignoring it.

    Built on every request, it costs less than django-filter's own: each filter is copied
    shallowly (django-filter deep-copies them all; a filter's per-request state is only its
    `parent`, `model` and method binding, set here), and the form class is built once per
    class and set of filters (django-filter builds a new class, and every form field, each
    time; a form copies its fields when instantiated, so sharing the class shares nothing
    mutable)."""

    _form_classes: dict = {}

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, base in self.base_filters.items():
            filter_ = copy.copy(base)
            if base.method is not None:
                filter_.method = base.method  # a FilterMethod bound to this copy
            filter_.model = queryset.model
            filter_.parent = self
            self.filters[name] = filter_

    def get_form_class(self):
        key = (type(self), tuple(self.filters))
        form_class = StrictFilterSet._form_classes.get(key)
        if form_class is None:
            form_class = StrictFilterSet._form_classes[key] = super().get_form_class()
        return form_class

    def is_valid(self):
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            typed = (
                not isinstance(filter_, django_filters.CharFilter)
                or isinstance(filter_, django_filters.ChoiceFilter)
                or getattr(filter_, "pattern", None) is not None
            )
            if typed and name in self.data and self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid


class UTCDateTimeField(forms.DateTimeField):
    """An ISO 8601 date-time of at most DATETIME_MAX_LENGTH characters, converted to UTC:
    PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 allows."""

    def to_python(self, value):
        if isinstance(value, str) and len(value) > DATETIME_MAX_LENGTH:
            raise forms.ValidationError(
                f"A date-time takes at most {DATETIME_MAX_LENGTH} characters.", code="max_length"
            )
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(
                "This date-time is out of range.", code="out_of_range"
            ) from None


@extend_schema_field({"type": "string", "format": "date-time", "maxLength": DATETIME_MAX_LENGTH})
class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend (the project default), building the view's filter set only
    when the query string names one of its parameters. Without any, the filter set would
    validate nothing and every filter would let the queryset through unchanged (an absent
    value filters nothing), so the list is the queryset as it is, and a page of a list asked
    for with `page_size` or `cursor` alone costs no form. A parameter given, even empty, is
    validated as before (`language=` is still a 400).

    Only lists are filtered: a detail, or an action on one object, names its object by id,
    whatever else its query string holds. (DRF's `get_object` applies the list's filters, so
    `GET /api/claims/1/?language=de` would 404 a French claim, and a `?status=draft` left on
    an editor's publish would 404 the submitted assessment.)"""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "detail", False):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        names = parameters(filterset_class)
        if names is not None and names.isdisjoint(request.query_params):
            return None
        return filterset_class(**self.get_filterset_kwargs(request, queryset, view))


@cache
def parameters(filterset_class) -> frozenset[str] | None:
    """The query parameters `filterset_class` reads: its filters' names; None when one of its
    filters reads parameters of other names (a range's `_min`/`_max`, through a MultiWidget),
    so that the set must always be built."""
    filters = filterset_class.base_filters
    for filter_ in filters.values():
        widget = filter_.extra.get("widget", filter_.field_class.widget)
        if isinstance(widget, forms.MultiWidget) or (
            isinstance(widget, type) and issubclass(widget, forms.MultiWidget)
        ):
            return None
    return frozenset(filters)
