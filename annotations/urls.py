from django.urls import path

from . import views

app_name = "annotations"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/", views.article_list, name="article-list"),
    path("articles/<int:pk>/", views.reader, name="reader"),
    path("articles/<int:pk>/mark/", views.mark_claim, name="mark-claim"),
    path("articles/<int:pk>/history/", views.capture_history, name="capture-history"),
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/annotate/", views.annotate, name="annotate"),
    path("annotations/<int:pk>/edit/", views.annotation_edit, name="annotation-edit"),
    path("annotations/<int:pk>/evidence/", views.evidence_add, name="evidence-add"),
    path("annotations/<int:pk>/submit/", views.annotation_submit, name="annotation-submit"),
    path("annotations/<int:pk>/publish/", views.annotation_publish, name="annotation-publish"),
    path("annotations/<int:pk>/return/", views.annotation_return, name="annotation-return"),
    path("review/", views.review_queue, name="review-queue"),
]
