"""Tags: the shared vocabulary, which editors add to and refine."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .. import services
from ..models import Tag
from ..serializers import TagSerializer, TagUpdateSerializer, TagWriteSerializer


@extend_schema_view(
    create=extend_schema(request=TagWriteSerializer, responses={201: TagSerializer}),
    partial_update=extend_schema(request=TagUpdateSerializer, responses=TagSerializer),
)
class TagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The shared tag vocabulary. Editors add and refine tags."""

    serializer_class = TagSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None
    filter_backends = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Tag.objects.order_by("category", "label")

    def create(self, request):
        serializer = TagWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tag = services.save_tag(user=request.user, **serializer.validated_data)
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, slug=None):
        tag = self.get_object()
        serializer = TagUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {
            "slug": tag.slug,
            "label": tag.label,
            "description": tag.description,
            "category": tag.category,
            **serializer.validated_data,
        }
        tag = services.save_tag(user=request.user, tag=tag, **fields)
        return Response(TagSerializer(tag).data)
