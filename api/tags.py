"""Tags: the shared vocabulary, which editors add to and refine."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from annotations import services
from annotations.models import Tag, TagPattern
from api.serializers import (
    TagPatternSerializer,
    TagPatternWriteSerializer,
    TagSerializer,
    TagUpdateSerializer,
    TagWriteSerializer,
)
from core.api.viewsets import ResourceViewSet


@extend_schema_view(
    create=extend_schema(request=TagWriteSerializer, responses={201: TagSerializer}),
    partial_update=extend_schema(request=TagUpdateSerializer, responses=TagSerializer),
    destroy=extend_schema(
        responses={204: None},
        description="Remove a tag no annotation uses (editors); 409 names how many use it.",
    ),
)
class TagViewSet(ResourceViewSet):
    """The shared tag vocabulary. Editors add, refine and remove tags (a tag in use is
    renamed, not removed)."""

    serializer_class = TagSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None

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
        changes = serializer.validated_data
        fields = {
            "slug": tag.slug,
            "label": tag.label,
            "description": tag.description,
            "category": tag.category,
            **changes,
            # Translations change per language: the languages not named keep theirs.
            "labels": tag.labels | changes.get("labels", {}),
            "descriptions": tag.descriptions | changes.get("descriptions", {}),
        }
        tag = services.save_tag(user=request.user, tag=tag, **fields)
        return Response(TagSerializer(tag).data)

    def destroy(self, request, slug=None):
        services.delete_tag(user=request.user, tag=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        responses=TagPatternSerializer(many=True),
        description="The phrases that suggest this tag, per language (matched on lemmas).",
    )
    @extend_schema(
        methods=["POST"],
        request=TagPatternWriteSerializer,
        responses={201: TagPatternSerializer},
        description="Add a phrase that suggests this tag in a language (editors).",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def patterns(self, request, slug=None):
        tag = self.get_object()
        if request.method == "GET":
            return Response(TagPatternSerializer(tag.patterns.all(), many=True).data)
        serializer = TagPatternWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pattern = services.save_tag_pattern(user=request.user, tag=tag, **serializer.validated_data)
        return Response(TagPatternSerializer(pattern).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("pattern_id", int, OpenApiParameter.PATH)],
        responses={204: None},
        description="Remove a pattern of this tag (editors).",
    )
    @action(detail=True, methods=["delete"], url_path=r"patterns/(?P<pattern_id>\d+)")
    def pattern(self, request, slug=None, pattern_id=None):
        pattern = get_object_or_404(TagPattern, tag=self.get_object(), pk=pattern_id)
        services.delete_tag_pattern(user=request.user, pattern=pattern)
        return Response(status=status.HTTP_204_NO_CONTENT)
