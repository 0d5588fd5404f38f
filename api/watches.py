"""Watches (`/api/watches/`, editors): the feeds and pages the workers check, created, changed,
paused and removed through `watching.services`; `…/check/` has one checked at the next worker
tick. And re-capture on demand: `POST /api/articles/{id}/recapture/`."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response

from accounts.authentication import is_read_only_token
from accounts.roles import is_editor
from archive.models import Article
from archive.serializers import source_field
from core.api.viewsets import ResourceViewSet
from watching import services
from watching.models import DEFAULT_INTERVAL, MIN_INTERVAL, Recapture, Watch


class EditorsOnly(permissions.BasePermission):
    """Watches are editors' (reading them too: they show what the newsroom follows)."""

    message = "Watches are for editors and admins."

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Log in or send an API token to manage watches.")
        if is_read_only_token(request):
            self.message = "This token is read-only: it cannot see or change watches."
            return False
        return is_editor(request.user)


class WatchSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The source's slug, or null."
    )

    class Meta:
        model = Watch
        fields = [
            "id",
            "url",
            "kind",
            "source",
            "interval_seconds",
            "last_checked_at",
            "next_check_at",
            "last_error",
            "articles_found",
            "active",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "last_error": {
                "help_text": "Why the last check failed, in plain words (empty when it did not)."
            },
            "articles_found": {
                "help_text": "Articles archived from it so far (a feed's new items; a page's "
                "first capture)."
            },
        }


class WatchWriteSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="An http(s) address on the internet.")
    kind = serializers.ChoiceField(choices=Watch.Kind.choices)
    source = source_field(help_text="Slug of the source its articles are archived under.")
    interval_seconds = serializers.IntegerField(
        min_value=MIN_INTERVAL,
        default=DEFAULT_INTERVAL,
        help_text=f"Seconds between checks, at least {MIN_INTERVAL}.",
        error_messages={
            "min_value": f"Checks must be at least {MIN_INTERVAL} seconds (5 minutes) apart: "
            f"interval_seconds must be at least {MIN_INTERVAL}."
        },
    )
    active = serializers.BooleanField(default=True, help_text="false pauses it.")


@extend_schema_view(
    create=extend_schema(request=WatchWriteSerializer, responses={201: WatchSerializer}),
    partial_update=extend_schema(request=WatchWriteSerializer, responses=WatchSerializer),
    destroy=extend_schema(
        responses={204: None}, description="Remove the watch (what it archived stays)."
    ),
)
class WatchViewSet(ResourceViewSet):
    """The feeds and pages the workers check (editors and admins): a feed's new items are
    archived once each, a page is captured again when its text changes."""

    serializer_class = WatchSerializer
    permission_classes = [EditorsOnly]

    def get_queryset(self):
        return Watch.objects.select_related("source")

    def _answer(self, watch: Watch, code: int = status.HTTP_200_OK) -> Response:
        """The watch as it is now, in its read representation."""
        return Response(WatchSerializer(self.get_queryset().get(pk=watch.pk)).data, status=code)

    def create(self, request):
        serializer = WatchWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        watch = services.create_watch(actor=request.user, **serializer.validated_data)
        return self._answer(watch, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        watch = self.get_object()
        serializer = WatchWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_watch(actor=request.user, watch=watch, **serializer.validated_data)
        return self._answer(watch)

    def destroy(self, request, pk=None):
        services.delete_watch(actor=request.user, watch=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={202: WatchSerializer, 409: None},
        description="Check it at the next worker tick, whatever its schedule or back-off; "
        "409 if it is paused (resume it instead).",
    )
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        watch = services.check_watch_now(actor=request.user, watch=self.get_object())
        return self._answer(watch, status.HTTP_202_ACCEPTED)


class RecaptureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recapture
        fields = [
            "article",
            "next_check_at",
            "last_checked_at",
            "last_error",
            "checks",
            "captures",
        ]
        read_only_fields = fields


@extend_schema(
    request=None,
    responses={202: RecaptureSerializer},
    description="Fetch the article's page again at the next worker tick (editors): changed "
    "text becomes a new capture, identical text records the check only.",
)
@api_view(["POST"])
@permission_classes([EditorsOnly])
def recapture(request, pk: int):
    article = get_object_or_404(Article, pk=pk)
    scheduled = services.request_recapture(actor=request.user, article=article)
    return Response(RecaptureSerializer(scheduled).data, status=status.HTTP_202_ACCEPTED)
