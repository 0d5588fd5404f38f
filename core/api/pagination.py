"""Cursor pagination: stable pages without a COUNT, and a 400 for a page size or cursor we
did not offer."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination


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
