"""Admin for sources, articles and captures. Writes go through `archive.services` as the acting
admin; captures are read-only."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html_join
from django_tasks_db.models import DBTaskResult

from accounts.admin import AdminRoleMixin, ReadOnlyAdminMixin, WritesThroughServicesMixin

from . import services
from .ingest.documents import CapturePayload
from .models import Article, Capture, Source

# The task queue's rows (django-tasks-db) are the worker's own: imports are followed on their
# pages and through the API, and finished results are pruned by `prune_db_task_results`.
admin.site.unregister(DBTaskResult)


@admin.register(Source)
class SourceAdmin(WritesThroughServicesMixin, AdminRoleMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "country", "language", "article_count"]
    list_filter = ["country", "language"]
    search_fields = ["name", "slug", "notes"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_article_counts()

    def create(self, request, data):
        return services.save_source(actor=request.user, **data)

    def update(self, request, obj, data):
        services.save_source(actor=request.user, source=obj, **data)

    def delete(self, request, obj):
        services.delete_source(actor=request.user, source=obj)

    @admin.display(ordering="article_count", description="articles")
    def article_count(self, obj):
        return obj.article_count


class CaptureInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Capture
    fields = [
        "captured_at",
        "origin",
        "origin_location",
        "captured_by_name",
        "replacement",
        "extractor",
        "sha256",
        "length",
    ]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    @admin.display(description="characters")
    def length(self, obj):
        return len(obj.text)


class ArticleAddForm(forms.ModelForm):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text="The article's plain text: stored as its first capture.",
    )

    class Meta:
        model = Article
        fields = ["source", "url", "title", "authors", "published_at", "language"]


@admin.register(Article)
class ArticleAdmin(WritesThroughServicesMixin, AdminRoleMixin, admin.ModelAdmin):
    list_display = ["title", "source", "language", "published_at", "capture_count"]
    list_filter = ["language", "source"]
    search_fields = ["title", "url"]
    date_hierarchy = "published_at"
    list_select_related = ["source"]
    inlines = [CaptureInline]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ArticleAddForm
        return super().get_form(request, obj, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(capture_count=Count("captures"))

    @admin.display(ordering="capture_count", description="captures")
    def capture_count(self, obj):
        return obj.capture_count

    def create(self, request, data):
        result = services.archive_article(
            actor=request.user,
            title=data["title"],
            capture=CapturePayload(
                text=data["text"],
                origin=Capture.Origin.PASTE,
                origin_location=f"admin:{request.user.username}",
                extractor="text",
            ),
            source=data["source"],
            url=data["url"],
            language=data["language"],
            authors=data["authors"],
            published_at=data["published_at"],
        )
        return result.article

    def update(self, request, obj, data):
        services.update_article(actor=request.user, article=obj, **data)


@admin.register(Capture)
class CaptureAdmin(ReadOnlyAdminMixin, AdminRoleMixin, admin.ModelAdmin):
    """Captures are immutable: they are viewed here, never edited or deleted."""

    list_display = [
        "article",
        "captured_at",
        "origin",
        "captured_by_name",
        "replacement",
        "extractor",
        "short_sha",
    ]
    list_filter = ["origin", "replacement", "extractor"]
    search_fields = [
        "article__title",
        "sha256",
        "warc_record_id",
        "origin_location",
        "captured_by_name",
    ]
    list_select_related = ["article"]
    fields = [
        "article",
        "captured_at",
        "origin",
        "origin_location",
        "captured_by",
        "captured_by_name",
        "replacement",
        "warc_record_id",
        "redirects",
        "extractor",
        "raw_content_type",
        "sha256",
        "text_display",
    ]
    readonly_fields = fields

    @admin.display(description="SHA-256")
    def short_sha(self, obj):
        return obj.sha256[:12]

    @admin.display(description="text")
    def text_display(self, obj):
        return format_html_join("", "<p>{}</p>", ((p,) for p in obj.text.split("\n") if p))
