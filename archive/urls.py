from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/add/", views.article_add, name="article-add"),
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
    path(
        "articles/<int:article_id>/captures/<int:capture_id>/changes/",
        views.capture_diff,
        name="capture-diff",
    ),
    path(
        "articles/<int:article_id>/captures/<int:capture_id>.warc",
        views.capture_warc_download,
        name="capture-warc",
    ),
]
