"""Cursor pagination: stable pages without a COUNT, and a 400 for a page size or cursor we
did not offer."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, pagination
from rest_framework.utils.urls import replace_query_param

# A cursor: direction (f forward, r reverse), offset among rows at the same position, and
# the position — an id, or a date-time in microseconds since 1970 (UTC). Readable, and
# stated exactly in the schema, so that any cursor the schema allows is one we accept.
CURSOR_PATTERN = r"^[fr](0|[1-9][0-9]{0,3})(-[0-9]{1,18})?$"
CURSOR_RE = re.compile(CURSOR_PATTERN)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


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

    def _ordering_is_a_date(self) -> bool:
        try:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        except FieldDoesNotExist:
            return False
        return isinstance(field, models.DateTimeField)

    def encode_cursor(self, cursor):
        position = ""
        if cursor.position is not None:
            if self._ordering_is_a_date():
                moment = parse_datetime(cursor.position)
                position = str((moment - EPOCH) // dt.timedelta(microseconds=1))
            else:
                position = str(int(cursor.position))
            position = f"-{position}"
        encoded = f"{'r' if cursor.reverse else 'f'}{cursor.offset}{position}"
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        match = CURSOR_RE.match(encoded)
        if not match:
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        "This cursor is not one we issued: follow the next/previous links as given."
                    ]
                }
            )
        offset = min(int(match[1]), self.offset_cutoff)
        position = match[2][1:] if match[2] else None
        if position is not None and self._ordering_is_a_date():
            # A position past the last date there can be is the end of the list.
            try:
                moment = EPOCH + dt.timedelta(microseconds=int(position))
            except OverflowError:
                moment = LATEST
            position = moment.isoformat()
        return pagination.Cursor(offset=offset, reverse=encoded[0] == "r", position=position)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"].update(pattern=CURSOR_PATTERN)
                parameter["description"] = (
                    "Where the page starts: the `next` or `previous` link gives it."
                )
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
