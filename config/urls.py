"""Routes: the pages, the admin, and the API under /api/ (`api.urls`)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from api.linked_data import claimdesk_context
from desk.views.people import notification_preferences, your_name
from desk.views.public import SITEMAPS, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switch in the navigation posts to django.views.i18n.set_language here.
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/name/", your_name, name="your-name"),
    path("accounts/notifications/", notification_preferences, name="notification-preferences"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("api.urls")),
    path("ns/claimdesk.jsonld", claimdesk_context, name="claimdesk-context"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("", include("archive.urls")),
    path("", include("desk.urls")),
]

handler404 = "core.api.exceptions.not_found"
handler500 = "core.api.exceptions.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
