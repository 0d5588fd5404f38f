"""Routes: the pages, the admin, and the API under /api/ with its schema and docs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import APITokenViewSet
from annotations import api as annotations_api
from annotations.api.agreement import AgreementView
from archive import api as archive_api

router = DefaultRouter()
router.include_format_suffixes = False
router.register("sources", archive_api.SourceViewSet, basename="source")
router.register("articles", archive_api.ArticleViewSet, basename="article")
router.register("captures", archive_api.CaptureViewSet, basename="capture")
router.register("imports", archive_api.ImportViewSet, basename="import")
router.register("tags", annotations_api.TagViewSet, basename="tag")
router.register("claims", annotations_api.ClaimViewSet, basename="claim")
router.register("appearances", annotations_api.AppearanceViewSet, basename="appearance")
router.register("annotations", annotations_api.AnnotationViewSet, basename="annotation")
router.register("evidence", annotations_api.EvidenceViewSet, basename="evidence")
router.register("tokens", APITokenViewSet, basename="token")

api_urlpatterns = [
    path(
        "claims/export.jsonl",
        annotations_api.ClaimViewSet.as_view({"get": "export"}),
        name="claim-export",
    ),
    path("agreement/", AgreementView.as_view(), name="agreement"),
    path(
        "captures/<int:pk>/analysis/",
        annotations_api.CaptureAnalysisView.as_view(),
        name="capture-analysis",
    ),
    path("changes/", annotations_api.changes, name="changes"),
    path("changes.jsonl", annotations_api.changes_jsonl, name="changes-jsonl"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include((api_urlpatterns, "api"))),
    path("ns/claimdesk.jsonld", annotations_api.claimdesk_context, name="claimdesk-context"),
    path("", include("archive.urls")),
    path("", include("annotations.urls")),
]

handler404 = "core.api.exceptions.not_found"
handler500 = "core.api.exceptions.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
