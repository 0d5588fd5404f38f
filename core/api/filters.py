"""Filters for the API's query parameters: ids in the database's range, date-times in UTC,
and a FilterSet that refuses an empty typed parameter."""

import copy
import datetime as dt

import django_filters
from django import forms
from django.http import QueryDict
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


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses an empty value for a typed parameter (`updated_since=`)
    instead of ignoring it.

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
