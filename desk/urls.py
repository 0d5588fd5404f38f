"""The journalists' pages: reading, marking, annotating and review, and the tag vocabulary."""

from django.urls import path

from desk.views import (
    agreement,
    annotating,
    assigning,
    inbox,
    marking,
    public,
    reading,
    review,
    suggestions,
    tags,
    watching,
)

app_name = "annotations"

urlpatterns = [
    path("", reading.home, name="home"),
    path("articles/", reading.article_list, name="article-list"),
    path("articles/<int:pk>/", reading.reader, name="reader"),
    path("articles/<int:pk>/mark/", marking.mark_claim, name="mark-claim"),
    path("articles/<int:pk>/tag-capture/", suggestions.tag_capture, name="tag-capture"),
    path("articles/<int:pk>/history/", reading.capture_history, name="capture-history"),
    path("articles/<int:pk>/recapture/", watching.article_recapture, name="article-recapture"),
    path("claims/", reading.claim_list, name="claim-list"),
    path("claims/<int:pk>/", reading.claim_detail, name="claim-detail"),
    path("claims.atom", public.ClaimsFeed(), name="claims-feed"),
    path("corrections/", public.corrections_log, name="corrections"),
    path("corrections.atom", public.CorrectionsFeed(), name="corrections-feed"),
    path("claims/<int:pk>/annotate/", annotating.annotate, name="annotate"),
    path("annotations/<int:pk>/edit/", annotating.annotation_edit, name="annotation-edit"),
    path("annotations/<int:pk>/evidence/", annotating.evidence_add, name="evidence-add"),
    path("review/", review.review_queue, name="review-queue"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.mark_all_read, name="inbox-read-all"),
    path("inbox/<int:pk>/read/", inbox.mark_read, name="inbox-read"),
    path("assignments/", assigning.assign, name="assign"),
    path("assignments/<int:pk>/withdraw/", assigning.unassign, name="unassign"),
    path("agreement/", agreement.agreement, name="agreement"),
    path("watches/", watching.watch_list, name="watch-list"),
    path("watches/<int:pk>/active/", watching.watch_active, name="watch-active"),
    path("watches/<int:pk>/check/", watching.watch_check, name="watch-check"),
    path("watches/<int:pk>/delete/", watching.watch_delete, name="watch-delete"),
    path("tags/", tags.tag_list, name="tag-list"),
    path("tags/<slug:slug>/translations/", tags.translations_set, name="tag-translations"),
    path("tags/<slug:slug>/patterns/", tags.pattern_add, name="tag-pattern-add"),
    path(
        "tags/<slug:slug>/patterns/<int:pk>/remove/",
        tags.pattern_remove,
        name="tag-pattern-remove",
    ),
    # The workflow steps: submit, publish, return, retract, revert.
    *(
        path(
            f"annotations/<int:pk>/{step}/",
            review.annotation_step,
            {"step": step},
            name=f"annotation-{step}",
        )
        for step in review.STEPS
    ),
]
