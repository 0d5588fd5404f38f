"""The pages about the archive alone: adding an article, a capture as WARC."""

from django.urls import path

from . import views

app_name = "archive"

# The reading pages (home, articles, the reader, capture history) show claims next to the
# text, so they live in desk.urls; archive's own pages are listed here.
urlpatterns = [
    path(
        "articles/<int:article_id>/captures/<int:capture_id>.warc",
        views.capture_warc_download,
        name="capture-warc",
    ),
    path("articles/add/", views.article_add, name="article-add"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
]
