"""Appearances: where claims appear, and marking a known claim again in another capture."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts.authentication import viewer
from annotations import services
from annotations.filters import AppearanceFilter
from annotations.models import Appearance, Claim
from api.serializers import AppearanceCreateSerializer, AppearanceSerializer


@extend_schema_view(
    create=extend_schema(request=AppearanceCreateSerializer, responses={201: AppearanceSerializer})
)
class AppearanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Where claims appear: spans of captures. Journalists mark a claim again in another
    capture (POST); the quote must equal the capture's text at start–end."""

    serializer_class = AppearanceSerializer
    filterset_class = AppearanceFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return (
            Appearance.objects.filter(claim__in=Claim.objects.visible_to(viewer(self.request)))
            .select_related("capture__article__source")
            .defer("capture__text", "capture__raw")
        )

    def create(self, request):
        serializer = AppearanceCreateSerializer(
            data=request.data, context={"viewer": viewer(request)}
        )
        serializer.is_valid(raise_exception=True)
        appearance, created = services.create_appearance(
            user=request.user, **serializer.validated_data
        )
        appearance = self.get_queryset().get(pk=appearance.pk)
        # Marking the same place again answers the appearance already there.
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(AppearanceSerializer(appearance).data, status=code)
