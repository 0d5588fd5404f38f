"""The user's own API tokens: list, create (the key is shown once), revoke."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.response import Response

from .authentication import is_read_only_token
from .models import APIToken
from .serializers import APITokenSerializer, NewAPITokenSerializer


class OwnTokensOnly(permissions.BasePermission):
    message = "Log in to manage your API tokens."

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(self.message)
        return not is_read_only_token(request)


class APITokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your active API tokens. Revoking (DELETE) is immediate and cannot be undone."""

    serializer_class = APITokenSerializer
    permission_classes = [OwnTokensOnly]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return APIToken.objects.none()
        return (
            APIToken.objects.active().filter(user=self.request.user).order_by("-created_at", "-pk")
        )

    @extend_schema(request=APITokenSerializer, responses={201: NewAPITokenSerializer})
    def create(self, request):
        serializer = APITokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = APIToken.issue(
            user=request.user,
            name=serializer.validated_data["name"],
            read_only=serializer.validated_data.get("read_only", False),
        )
        token.key = key
        return Response(NewAPITokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        instance.revoke()
