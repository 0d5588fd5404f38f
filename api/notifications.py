"""The signed-in person's inbox: their notifications, newest first, marking them read, and how
they want to be mailed (notifications.services). Texts are written in the person's chosen
language (their preferences), whatever the API's own language."""

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ReadOnlyTokenCannotWrite
from core.api.serializers import StrictInputMixin
from notifications import services
from notifications.mail import preference_of
from notifications.models import Delivery, Notification
from notifications.texts import text


class SignedIn(permissions.BasePermission):
    message = "Log in to read your notifications."

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(self.message)
        return True


class NotificationSerializer(serializers.ModelSerializer):
    """A notification: what happened (`kind`), when (`at`), to which claim and article (ids,
    or null), said in a sentence (`text`), and whether it was read."""

    claim = serializers.IntegerField(source="claim_id", allow_null=True, read_only=True)
    article = serializers.IntegerField(source="article_id", allow_null=True, read_only=True)
    text = serializers.SerializerMethodField()
    read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "at", "claim", "article", "text", "read"]
        read_only_fields = fields

    def get_text(self, notification) -> str:
        with translation.override(self.context["language"]):
            return text(notification)


class PreferencesSerializer(StrictInputMixin, serializers.Serializer):
    email = serializers.ChoiceField(
        choices=Delivery.values,
        required=False,
        help_text="When notifications are mailed: immediately, daily (one digest a day), never.",
    )
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="The language of the notifications' texts, in the API and by mail.",
    )


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your notifications, newest first (cursor pages). Someone else's answers 404."""

    serializer_class = NotificationSerializer
    permission_classes = [SignedIn, ReadOnlyTokenCannotWrite]
    filter_backends = []
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Notification.objects.none()
        return Notification.objects.of(self.request.user).with_details()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["language"] = preference_of(self.request.user).language
        return context

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this notification read."""
        notification = services.mark_read(user=request.user, notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        operation_id="notifications_read_all",
        request=None,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read")
    def read_all(self, request):
        """Mark all your unread notifications read; how many were."""
        return Response({"marked": services.mark_all_read(user=request.user)})


class NotificationPreferencesView(APIView):
    """How you are told: mail immediately, in a daily digest or never, and in which language."""

    permission_classes = [SignedIn, ReadOnlyTokenCannotWrite]

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response(self._payload(preference_of(request.user)))

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def patch(self, request):
        serializer = PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preference = services.set_preferences(user=request.user, **serializer.validated_data)
        return Response(self._payload(preference))

    @staticmethod
    def _payload(preference) -> dict:
        return {"email": preference.email, "language": preference.language}
