"""The bottom layer's app: base models, domain errors and the API pieces every app shares."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
