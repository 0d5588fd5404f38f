"""Admin for sources, articles, captures and imports. Writes go through `archive.services` (and
`archive.imports`) as the acting admin; captures and imports are read-only, and an import can be
run again."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy, ngettext
from django_tasks_db.models import DBTaskResult

from accounts.admin import (
    AdminRoleMixin,
    ReadOnlyAdminMixin,
    SaveAndDeleteServicesMixin,
    WritesThroughServicesMixin,
)

from . import imports, services
from .ingest.documents import CapturePayload
from .models import Article, Capture, ImportJob, Source

# The task queue's rows (django-tasks-db) are the worker's own: imports are followed below, on
# their pages and through the API; finished results are pruned by `prune_db_task_results`.
admin.site.unregister(DBTaskResult)


@admin.register(Source)
class SourceAdmin(SaveAndDeleteServicesMixin, AdminRoleMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "country", "language", "article_count"]
    list_filter = ["country", "language"]
    search_fields = ["name", "slug", "notes"]
    prepopulated_fields = {"slug": ["name"]}
    save_service = staticmethod(services.save_source)
    delete_service = staticmethod(services.delete_source)
    actor_argument, object_argument = "actor", "source"

    def get_queryset(self, request):
        return super().get_queryset(request).with_article_counts()

    @admin.display(ordering="article_count", description=gettext_lazy("articles"))
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

    @admin.display(description=gettext_lazy("characters"))
    def length(self, obj):
        return len(obj.text)


class ArticleAddForm(forms.ModelForm):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=gettext_lazy("The article's plain text: stored as its first capture."),
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

    @admin.display(ordering="capture_count", description=gettext_lazy("captures"))
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

    @admin.display(description=gettext_lazy("text"))
    def text_display(self, obj):
        return format_html_join("", "<p>{}</p>", ((p,) for p in obj.text.split("\n") if p))


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, AdminRoleMixin, admin.ModelAdmin):
    """Imports as their worker left them, read-only, with a way to run one again. A job's items
    (thousands, in a WARC) are linked, on its page and in the API, not listed here."""

    list_display = [
        "__str__",
        "created_by_name",
        "status",
        "done",
        "total",
        "failed",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["created_by_name", "error"]
    date_hierarchy = "created_at"
    fields = [
        "status",
        "created_by_name",
        "inputs_display",
        "source",
        "language",
        "done",
        "total",
        "failed",
        "error",
        "attempts",
        "runner",
        "heartbeat_at",
        "task_id",
        "enqueued_at",
        "created_at",
        "started_at",
        "finished_at",
        "items_link",
    ]
    readonly_fields = fields
    actions = ["run_again"]

    @admin.display(description=gettext_lazy("inputs"))
    def inputs_display(self, obj):
        return imports.describe_inputs(obj)

    @admin.display(description=gettext_lazy("items"))
    def items_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("archive:import-detail", args=[obj.pk]),
            gettext_lazy("the import's page"),
            reverse("api:import-items", args=[obj.pk]),
            gettext_lazy("its items in the API"),
        )

    @admin.action(description=gettext_lazy("Run the selected imports again"))
    def run_again(self, request, queryset):
        count = 0
        for job in queryset:
            try:
                imports.run_import_again(actor=request.user, job=job)
            except (ValidationError, PermissionDenied) as exc:
                reason = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, reason, messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(
                request,
                ngettext(
                    "Queued %(count)d import again: a worker runs it, storing nothing twice.",
                    "Queued %(count)d imports again: a worker runs them, storing nothing twice.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
