"""Routes of the API under /api/ (namespace "api"), with its schema and docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import APITokenViewSet
from archive import api as archive_api

from .agreement import AgreementView
from .analysis import CaptureAnalysisView
from .annotations import AnnotationViewSet
from .appearances import AppearanceViewSet
from .changes import changes, changes_jsonl
from .claims import ClaimViewSet
from .evidence import EvidenceViewSet
from .notifications import NotificationPreferencesView, NotificationViewSet
from .tags import TagViewSet
from .watches import WatchViewSet, recapture
from .webhooks import WebhookViewSet

router = DefaultRouter()
router.include_format_suffixes = False
router.register("sources", archive_api.SourceViewSet, basename="source")
router.register("articles", archive_api.ArticleViewSet, basename="article")
router.register("captures", archive_api.CaptureViewSet, basename="capture")
router.register("imports", archive_api.ImportViewSet, basename="import")
router.register("tags", TagViewSet, basename="tag")
router.register("claims", ClaimViewSet, basename="claim")
router.register("appearances", AppearanceViewSet, basename="appearance")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("tokens", APITokenViewSet, basename="token")
router.register("watches", WatchViewSet, basename="watch")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("notifications", NotificationViewSet, basename="notification")

app_name = "api"
urlpatterns = [
    path(
        "claims/export.jsonl",
        ClaimViewSet.as_view({"get": "export"}),
        name="claim-export",
    ),
    path("agreement/", AgreementView.as_view(), name="agreement"),
    path("captures/<int:pk>/analysis/", CaptureAnalysisView.as_view(), name="capture-analysis"),
    path("articles/<int:pk>/recapture/", recapture, name="article-recapture"),
    path("changes/", changes, name="changes"),
    path(
        "notifications/preferences/",
        NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("changes.jsonl", changes_jsonl, name="changes-jsonl"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
