"""Read representations of the archive for the API, and the input they accept."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import SlugRelatedField, StrictInputMixin

from .models import LANGUAGE_RE, Article, Capture, ImportItem, ImportJob, Source


def source_field(**options) -> SlugRelatedField:
    """An optional source, named by its slug (null: none)."""
    return SlugRelatedField(
        slug_field="slug", queryset=Source.objects.all(), required=False, allow_null=True, **options
    )


class SourceSerializer(StrictInputMixin, serializers.ModelSerializer):
    # A list, never null (the model stores a JSON list; the schema said "any JSON, or null").
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        required=False,
        help_text="Host names of the source's sites.",
    )
    # The model's language check, stated in the schema as a pattern (empty: unknown).
    language = serializers.RegexField(
        f"^({LANGUAGE_RE.pattern.strip('^$')})?$",
        max_length=16,
        allow_blank=True,
        required=False,
        help_text="Default language of the outlet's articles (ISO 639-1, e.g. “fr”).",
        error_messages={"invalid": "Not a language code; use an ISO 639-1 code such as “fr”."},
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "slug",
            "name",
            "domains",
            "country",
            "language",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class SourceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "slug", "name", "country"]


class ArticleSerializer(serializers.ModelSerializer):
    source = SourceBriefSerializer(allow_null=True)
    latest_capture = serializers.IntegerField(
        source="latest_capture_id",
        allow_null=True,
        read_only=True,
        help_text="Id of the most recent capture of the article's text.",
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "source",
            "url",
            "title",
            "authors",
            "published_at",
            "language",
            "latest_capture",
            "created_at",
            "updated_at",
        ]


class ArticleBriefSerializer(serializers.ModelSerializer):
    source = SourceBriefSerializer(allow_null=True)

    class Meta:
        model = Article
        fields = ["id", "title", "url", "language", "published_at", "source"]


class ArticleCreateSerializer(StrictInputMixin, serializers.Serializer):
    """Archive pasted text as an article (or a new capture of the article with that URL)."""

    title = serializers.CharField(max_length=1000)
    text = serializers.CharField(help_text="The article's plain text.")
    source = source_field()
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=settings.CLAIMDESK_LANGUAGES, required=False, allow_blank=True, default=""
    )
    authors = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=50
    )
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CaptureMeta:
    """What both capture representations say of their model and their fields."""

    model = Capture
    extra_kwargs = {
        "captured_by": {"help_text": "Id of the user who archived it; null for a system."},
        "captured_by_name": {
            "help_text": "Who archived it: a username, or a system actor (import, seeds)."
        },
    }


class CaptureSummarySerializer(serializers.ModelSerializer):
    length = serializers.SerializerMethodField(help_text="Length of the text in code points.")

    class Meta(CaptureMeta):
        fields = [
            "id",
            "article",
            "captured_at",
            "sha256",
            "origin",
            "origin_location",
            "extractor",
            "captured_by",
            "captured_by_name",
            "replacement",
            "length",
        ]

    def get_length(self, capture) -> int:
        return capture.text_length


class CaptureSerializer(serializers.ModelSerializer):
    class Meta(CaptureMeta):
        fields = [
            "id",
            "article",
            "captured_at",
            "text",
            "sha256",
            "origin",
            "origin_location",
            "warc_record_id",
            "raw_content_type",
            "extractor",
            "redirects",
            "captured_by",
            "captured_by_name",
            "replacement",
            "created_at",
        ]


class CaptureCreateSerializer(StrictInputMixin, serializers.Serializer):
    text = serializers.CharField(
        required=False,
        help_text="Replacement text, pasted (editors only; recorded as such). Leave it out to "
        "fetch the article's URL again on the server.",
    )


# Imports as jobs


class ImportURLsSerializer(StrictInputMixin, serializers.Serializer):
    """Import web pages: each address is fetched by the worker and archived."""

    urls = serializers.ListField(
        child=serializers.URLField(max_length=2000),
        min_length=1,
        max_length=settings.CLAIMDESK_IMPORT_MAX_URLS,
        help_text="http(s) addresses of the pages to archive.",
    )
    source = source_field(
        help_text="Slug of the source of every item (default: recognised from each address)."
    )
    language = serializers.ChoiceField(
        choices=settings.CLAIMDESK_LANGUAGES,
        required=False,
        allow_blank=True,
        default="",
        help_text="Language of every item (default: as declared, else detected).",
    )


class ImportFilesSerializer(ImportURLsSerializer):
    """Import files: .txt, .html, .warc, .warc.gz or .jsonl, as `manage.py archive` reads them."""

    urls = None
    file = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        max_length=settings.CLAIMDESK_IMPORT_MAX_FILES,
        help_text="One or more files (repeat the field): .txt, .html, .htm, .warc, .warc.gz, "
        ".jsonl.",
    )


class ImportProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Items archived, found unchanged or failed.")
    total = serializers.IntegerField(
        allow_null=True, help_text="Items the inputs hold; null until the worker counted them."
    )


class ImportItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportItem
        fields = ["position", "name", "outcome", "article", "capture", "error"]


class ImportJobSerializer(serializers.ModelSerializer):
    """An import's summary; its items are paged at `items_url`."""

    url = serializers.SerializerMethodField()
    items_url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by_name")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "url",
            "items_url",
            "progress",
            "failed",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_url(self, job) -> str:
        return self._absolute(reverse("api:import-detail", args=[job.pk]))

    def get_items_url(self, job) -> str:
        return self._absolute(reverse("api:import-items", args=[job.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(ImportProgressSerializer)
    def get_progress(self, job) -> dict:
        return {"done": job.done, "total": job.total}
