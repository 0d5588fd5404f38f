"""API token input and representation."""

from rest_framework import serializers

from core.api.serializers import StrictInputMixin

from .models import APIToken


class APITokenSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = APIToken
        fields = ["id", "name", "key_hint", "read_only", "created_at", "last_used_at"]
        read_only_fields = ["id", "key_hint", "created_at", "last_used_at"]


class NewAPITokenSerializer(APITokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text="The secret key. Shown only now: store it safely."
    )

    class Meta(APITokenSerializer.Meta):
        fields = [*APITokenSerializer.Meta.fields, "key"]
