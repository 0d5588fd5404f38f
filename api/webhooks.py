"""Webhooks: an editor's or a read-only token's addresses told of changes to the public
record by signed POSTs; their delivery log and redelivery. Each sees only its own: an
editor the webhooks they made, a read-only token those it made."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.authentication import is_read_only_token
from core.api.pagination import CursorPagination
from core.api.viewsets import ResourceViewSet
from publication.representations import iso
from webhooks import services
from webhooks.models import Attempt, Delivery, Event, Webhook
from webhooks.rules import may_own_webhooks


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "active", "created_at", "updated_at"]


class NewWebhookSerializer(WebhookSerializer):
    """A webhook as created (or with a rotated secret): the secret is shown this once."""

    secret = serializers.CharField()

    class Meta(WebhookSerializer.Meta):
        fields = ["id", "url", "events", "secret", "active", "created_at", "updated_at"]


@extend_schema_field({"type": "string", "enum": Event.values})
class EventField(serializers.CharField):
    """An event's name: the schema lists them; the service names an unknown one."""


class WebhookWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(
        child=EventField(max_length=30),
        min_length=1,
        help_text=", ".join(Event.values),
    )
    active = serializers.BooleanField(default=True)


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField(allow_null=True)
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    response_excerpt = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)


class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    event = serializers.ChoiceField(choices=Event.choices)
    claim = serializers.IntegerField(source="claim_id")
    at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Delivery.Status.choices)
    attempts = AttemptSerializer(many=True, source="attempt_log.all")
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    redelivery_of = serializers.UUIDField(allow_null=True, source="redelivery_of.uuid")
    created_at = serializers.DateTimeField()


def delivery_data(delivery: Delivery) -> dict:
    """A delivery with its attempts, oldest first (the attempts prefetched)."""
    return {
        "id": str(delivery.uuid),
        "event": delivery.event,
        "claim": delivery.claim_id,
        "at": iso(delivery.at),
        "status": delivery.status,
        "attempts": [attempt_data(a) for a in delivery.attempt_log.all()],
        "next_attempt_at": iso(delivery.next_attempt_at),
        "redelivery_of": str(delivery.redelivery_of.uuid) if delivery.redelivery_of else None,
        "created_at": iso(delivery.created_at),
    }


def attempt_data(attempt: Attempt) -> dict:
    return {
        "number": attempt.number,
        "started_at": iso(attempt.started_at),
        "duration_ms": attempt.duration_ms,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "response_excerpt": attempt.response_excerpt,
        "next_attempt_at": iso(attempt.next_attempt_at),
    }


class MayOwnWebhooks(permissions.BasePermission):
    """Editors (and admins), and read-only tokens; anonymous requests are asked to log in."""

    message = "Webhooks are for editors and for read-only API tokens (a partner's)."

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Log in or send an API token to use webhooks.")
        return may_own_webhooks(request.user, read_only_token=is_read_only_token(request))


class DeliveryPagination(CursorPagination):
    # A webhook's log, newest first (the index webhooks_delivery_log).
    ordering = ("-pk",)


@extend_schema_view(
    create=extend_schema(request=WebhookWriteSerializer, responses={201: NewWebhookSerializer}),
    partial_update=extend_schema(request=WebhookWriteSerializer, responses=WebhookSerializer),
    destroy=extend_schema(responses={204: None}),
)
class WebhookViewSet(ResourceViewSet):
    """Your webhooks. Creating one answers its `secret` once; later reads never show it
    (rotate it with `rotate-secret`)."""

    serializer_class = WebhookSerializer
    permission_classes = [MayOwnWebhooks]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Webhook.objects.none()
        if is_read_only_token(self.request):
            return Webhook.objects.filter(token=self.request.auth)
        return Webhook.objects.filter(owner=self.request.user, token__isnull=True)

    def _token(self):
        return self.request.auth if is_read_only_token(self.request) else None

    def create(self, request):
        given = WebhookWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        webhook = services.create_webhook(
            user=request.user, token=self._token(), **given.validated_data
        )
        return Response(NewWebhookSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        webhook = self.get_object()
        given = WebhookWriteSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        fields = {
            name: given.validated_data[name]
            for name in request.data
            if name in given.validated_data
        }
        webhook = services.update_webhook(user=request.user, webhook=webhook, **fields)
        return Response(WebhookSerializer(webhook).data)

    def destroy(self, request, pk=None):
        services.delete_webhook(user=request.user, webhook=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=NewWebhookSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, shown this once; it signs every delivery from now on."""
        webhook = services.rotate_secret(user=request.user, webhook=self.get_object())
        return Response(NewWebhookSerializer(webhook).data)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=DeliveryPagination)
    def deliveries(self, request, pk=None):
        """The webhook's deliveries, newest first, each with its attempts (status code,
        error, duration, the start of the answer, when the next is due); cursor-paginated."""
        webhook = self.get_object()
        log = (
            Delivery.objects.filter(webhook=webhook)
            .select_related("redelivery_of")
            .prefetch_related("attempt_log")
        )
        page = self.paginate_queryset(log)
        return self.get_paginated_response([delivery_data(d) for d in page])

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9a-f-]{36})/redeliver",
    )
    def redeliver(self, request, pk=None, delivery_id=None):
        """Send a delivery again: a new delivery of the same event and body, queued now."""
        webhook = self.get_object()
        delivery = get_object_or_404(Delivery, webhook=webhook, uuid=delivery_id)
        again = services.redeliver(user=request.user, delivery=delivery)
        again = (
            Delivery.objects.select_related("redelivery_of")
            .prefetch_related("attempt_log")
            .get(pk=again.pk)
        )
        return Response(delivery_data(again), status=status.HTTP_202_ACCEPTED)
