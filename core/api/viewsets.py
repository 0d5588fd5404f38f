"""The base of the API's writable resources."""

from rest_framework import mixins, viewsets

from .pagination import CursorPagination


class ResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read as a cursor-paginated list (no query filters) and one by one; written only by the
    subclass's own create, partial_update and destroy, each calling a service (no PUT)."""

    pagination_class = CursorPagination
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
