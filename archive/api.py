"""Archive endpoints: sources (admins write), articles (journalists archive text) and their
immutable captures."""

import django_filters
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.db.models.functions import Length
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.authentication import is_read_only_token
from core.api.filters import SLUG_PATTERN, IdFilter, StrictFilterSet, TextFilter
from core.api.pagination import CursorPagination
from core.models import SLUG_MAX_LENGTH
from journal.history import HISTORY_DOC, history_response
from journal.models import Entry

from . import imports, services
from .ingest.documents import CapturePayload
from .models import LANGUAGE_RE, Article, Capture, ImportItem, ImportJob, Source
from .serializers import (
    ArticleCreateSerializer,
    ArticleSerializer,
    CaptureCreateSerializer,
    CaptureSerializer,
    CaptureSummarySerializer,
    ImportFilesSerializer,
    ImportItemSerializer,
    ImportJobSerializer,
    ImportURLsSerializer,
    SourceSerializer,
)


def _stored_or_found(serializer, stored: str, found: str) -> dict:
    """The documented answers of a POST that archives something new (201) or finds it
    already archived (200)."""
    return {
        201: OpenApiResponse(serializer, description=stored),
        200: OpenApiResponse(serializer, description=found),
    }


class SourceViewSet(viewsets.ModelViewSet):
    """News outlets. Everyone reads them; admins add, change and remove them."""

    serializer_class = SourceSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Source.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.save_source(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.save_source(
            actor=self.request.user, source=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        # A source with articles is protected (ProtectedError → 409).
        services.delete_source(actor=self.request.user, source=instance)

    @extend_schema(**HISTORY_DOC)
    @action(detail=True)
    def history(self, request, slug=None):
        """Every change to the source, oldest first: who changed which field, when."""
        source = self.get_object()
        # Sources are public by nature: every entry as stored.
        return history_response(self, Entry.objects.about("source", source.pk), dict)


class ArticleFilter(StrictFilterSet):
    source = TextFilter(
        field_name="source__slug",
        help_text="Source slug.",
        max_length=SLUG_MAX_LENGTH,
        pattern=SLUG_PATTERN,
    )
    language = TextFilter(max_length=16, pattern=LANGUAGE_RE.pattern)

    class Meta:
        model = Article
        fields = ["source", "language"]


class CaptureHistoryPagination(CursorPagination):
    ordering = ("captured_at", "id")


@extend_schema_view(
    create=extend_schema(
        request=ArticleCreateSerializer,
        responses=_stored_or_found(
            ArticleSerializer,
            "A new article was archived.",
            "The article was already archived with this very text: nothing was stored.",
        ),
    ),
)
class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Archived articles. Journalists archive new articles from pasted text (POST) and fetch
    an article's URL again as a new capture (POST …/captures/); editors may replace an
    article's text by pasted text. Captures are never changed or deleted."""

    serializer_class = ArticleSerializer
    filterset_class = ArticleFilter

    def get_queryset(self):
        return Article.objects.select_related("source").with_latest_capture()

    def create(self, request):
        serializer = ArticleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        details = dict(serializer.validated_data)
        capture = CapturePayload(
            text=details.pop("text"), origin=Capture.Origin.PASTE, extractor="api"
        )
        result = services.archive_article(actor=request.user, capture=capture, **details)
        article = self.get_queryset().get(pk=result.article.pk)
        created = result.outcome == services.Outcome.CREATED
        return Response(
            self.get_serializer(article).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(methods=["GET"], responses=CaptureSummarySerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"],
        request=CaptureCreateSerializer,
        responses=_stored_or_found(
            CaptureSerializer,
            "A new capture was archived.",
            "The page, fetched again, reads as the latest capture: nothing was stored; this is "
            "the latest capture.",
        ),
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filterset_class=None,
        filter_backends=[],
        pagination_class=CaptureHistoryPagination,
    )
    def captures(self, request, pk=None):
        """The article's captures, oldest first (GET); archive its text as it reads now
        (POST): with no body, its URL is fetched again on the server; with `text`, an editor
        replaces its text by pasted text, recorded as such."""
        article = self.get_object()
        if request.method == "POST":
            serializer = CaptureCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            text = serializer.validated_data.get("text")
            if text is None:
                result = services.recapture(actor=request.user, article=article)
                return Response(
                    CaptureSerializer(result.capture).data,
                    status=status.HTTP_200_OK
                    if result.outcome == services.Outcome.UNCHANGED
                    else status.HTTP_201_CREATED,
                )
            capture = services.add_capture(
                actor=request.user,
                article=article,
                capture=CapturePayload(text=text, origin=Capture.Origin.PASTE, extractor="api"),
            )
            return Response(CaptureSerializer(capture).data, status=status.HTTP_201_CREATED)
        captures = (
            article.captures.defer("text", "raw")
            .annotate(text_length=Length("text"))
            .order_by("captured_at", "pk")
        )
        page = self.paginate_queryset(captures)
        return self.get_paginated_response(CaptureSummarySerializer(page, many=True).data)


class CaptureFilter(StrictFilterSet):
    article = IdFilter(help_text="Article id.")

    class Meta:
        model = Capture
        fields = ["article"]


class CaptureViewSet(viewsets.ReadOnlyModelViewSet):
    """Captures: immutable snapshots of an article's text. The stable target of W3C Web
    Annotations."""

    serializer_class = CaptureSerializer
    filterset_class = CaptureFilter

    def get_queryset(self):
        return Capture.objects.defer("raw")

    def get_serializer_class(self):
        return CaptureSummarySerializer if self.action == "list" else CaptureSerializer

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            queryset = queryset.defer("text", "raw").annotate(text_length=Length("text"))
        return queryset


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The upload is too large."


class LoggedInNotReadOnly(permissions.BasePermission):
    """Imports are their owners' (and editors'): no anonymous reads, no read-only tokens."""

    message = "Read-only tokens see published work only, not imports."

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("Log in or send an API token to see imports.")
        return not is_read_only_token(request)


class ImportPagination(CursorPagination):
    ordering = ("-created_at", "-pk")


class ImportItemPagination(CursorPagination):
    # In the order of the job's inputs (the index of a job's items: job, position).
    ordering = ("position",)


class ImportItemFilter(StrictFilterSet):
    outcome = django_filters.ChoiceFilter(
        choices=ImportItem.Outcome.choices, help_text="Only the items with this outcome."
    )

    class Meta:
        model = ImportItem
        fields = ["outcome"]


@extend_schema_view(
    create=extend_schema(
        request={
            "application/json": ImportURLsSerializer,
            "multipart/form-data": ImportFilesSerializer,
        },
        responses={
            202: OpenApiResponse(
                ImportJobSerializer,
                description="The import is queued: follow `url` for its progress and items.",
            ),
            413: OpenApiResponse(description="The upload is larger than one import takes."),
        },
    ),
)
class ImportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Imports as jobs: files (multipart `file`, repeatable: .txt, .html, .warc, .warc.gz,
    .jsonl) or web addresses (JSON `urls`) archived by a worker, each item atomically.
    Journalists see their own imports, editors everyone's."""

    permission_classes = [LoggedInNotReadOnly]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    pagination_class = ImportPagination

    def get_queryset(self):
        return ImportJob.objects.visible_to(self.request.user)

    def get_serializer_class(self):
        return ImportJobSerializer

    @extend_schema(
        responses=ImportItemSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "outcome",
                str,
                enum=ImportItem.Outcome.values,
                description="Only the items with this outcome.",
            )
        ],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=ImportItemPagination)
    def items(self, request, pk=None):
        """The import's items in the order of its inputs, each with what became of it
        (`outcome`: created, new capture, unchanged, failed, with `error` saying why);
        cursor-paginated: follow `next`."""
        job = self.get_object()
        # Filtered here: the view's own filters would apply to the job it looks up.
        found = ImportItemFilter(
            request.query_params, queryset=ImportItem.objects.filter(job=job), request=request
        )
        if not found.is_valid():
            raise exceptions.ValidationError(found.errors)
        page = self.paginate_queryset(found.qs)
        return self.get_paginated_response(ImportItemSerializer(page, many=True).data)

    def create(self, request):
        # Who may import is checked first, so that a refused upload is never kept.
        imports.require_importer(request.user)
        limit = imports.import_limit()
        # Refused before the body is read: a request larger than the largest upload.
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit + 2**20:
            raise RequestTooLarge(
                f"The request holds {int(length):,} bytes; one import takes at most "
                f"{limit:,} (CLAIMDESK_IMPORT_MAX_BYTES). Split it into several imports."
            )
        try:
            files = request.FILES
        except (TooManyFilesSent, TooManyFieldsSent) as exc:
            raise exceptions.ValidationError({"file": [imports.too_many_files(exc)]}) from None
        if files:
            serializer = ImportFilesSerializer(data=request.data)
        else:
            serializer = ImportURLsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        options = {
            "actor": request.user,
            "source": data.get("source"),
            "language": data.get("language", ""),
        }
        if "file" in data:
            try:
                job = imports.create_upload_import(uploads=data["file"], **options)
            except imports.ImportTooLarge as exc:
                raise RequestTooLarge(str(exc)) from None
        else:
            job = imports.create_import(inputs=imports.url_inputs(data["urls"]), **options)
        # With a backend that runs jobs at once, the job may already be finished.
        job.refresh_from_db()
        return Response(
            ImportJobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse_import(request, job)},
        )


def reverse_import(request, job) -> str:
    return request.build_absolute_uri(reverse("api:import-detail", args=[job.pk]))
