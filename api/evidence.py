"""Evidence: what backs annotations (links, quotes of captures, documents)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.authentication import viewer
from annotations import services, visibility
from annotations.filters import EvidenceFilter
from annotations.models import Evidence
from api.serializers import EvidenceCreateSerializer, EvidenceSerializer


@extend_schema_view(
    create=extend_schema(request=EvidenceCreateSerializer, responses={201: EvidenceSerializer})
)
class EvidenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What backs annotations: links, quotes of archived captures, documents. Authors add and
    remove evidence on their own annotations while those are draft or returned."""

    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter
    # JSON, or multipart to attach a document.
    parser_classes = [JSONParser, MultiPartParser]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        visible = visibility.evidence(viewer(self.request))
        return Evidence.objects.filter(visible).select_related("added_by")

    def create(self, request):
        serializer = EvidenceCreateSerializer(
            data=request.data, context={"viewer": viewer(request)}
        )
        serializer.is_valid(raise_exception=True)
        evidence = services.add_evidence(user=request.user, **serializer.validated_data)
        evidence = self.get_queryset().get(pk=evidence.pk)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.remove_evidence(user=self.request.user, evidence=instance)
