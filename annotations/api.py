"""Annotation endpoints: claims (with filters, ClaimReview and the JSON Lines export),
appearances, annotations (review actions, versions, W3C Web Annotation), evidence and tags.

Reads are built on the QuerySet methods (`visible_to`, `with_details`, `assessed`, `search`);
claims are read through `claims_data` (flat queries, no model instance per related row).
Writes validate their input, call a service, and answer with the read representation.
"""

import re

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.authentication import viewer
from core.api.filters import DateTimeFilter, IdFilter, StrictFilterSet
from core.api.pagination import CursorPagination
from core.api.renderers import ORJSONRenderer, dumps

from . import export as sql_export
from . import jsonld, services
from .models import Annotation, Appearance, Claim, Evidence, Tag
from .serializers import (
    AnnotationCreateSerializer,
    AnnotationSerializer,
    AnnotationUpdateSerializer,
    AppearanceCreateSerializer,
    AppearanceSerializer,
    ClaimCreateSerializer,
    ClaimSerializer,
    ClaimUpdateSerializer,
    EvidenceCreateSerializer,
    EvidenceSerializer,
    ReturnSerializer,
    TagSerializer,
    TagUpdateSerializer,
    TagWriteSerializer,
    VersionSerializer,
    claims_data,
)


class JSONLDRenderer(ORJSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class LinkedDataMixin:
    """For views that can answer JSON-LD: errors are plain JSON whatever was asked for."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and isinstance(renderer, JSONLDRenderer):
            response.content_type = "application/json"
        return response


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 1})
class ConfidenceFilter(django_filters.NumberFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, max_value=1, **kwargs)


class StableOrderingFilter(filters.OrderingFilter):
    """Orders as asked, then by id, so that cursor pages never shuffle ties."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and ordering[0].lstrip("-") not in ("id", "pk"):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering


# Claims

# Filters on a claim's annotations, as lookups on Annotation: a claim matches when one
# annotation the reader may see meets all of them.
ANNOTATION_LOOKUPS = {
    "tag": "tags__slug__in",
    "status": "status",
    "min_confidence": "confidence__gte",
    "max_confidence": "confidence__lte",
    "author": "author__username",
    "verdict": "verdict",
    "published_after": "published_at__gte",
    "published_before": "published_at__lt",
}


@extend_schema_field(OpenApiTypes.STR)
class TagSlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Repeatable tag slugs; an unknown slug is a 400 naming it."""


class ClaimFilter(StrictFilterSet):
    tag = TagSlugsFilter(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        help_text="Tag slug; repeat for any of several (tag=a&tag=b).",
    )
    source = django_filters.CharFilter(method="filter_source", help_text="Source slug.")
    article = IdFilter(method="filter_article", help_text="Article id.")
    language = django_filters.CharFilter(field_name="language", help_text="Claim language.")
    status = django_filters.ChoiceFilter(
        choices=Annotation.Status.choices, help_text="Annotation status."
    )
    min_confidence = ConfidenceFilter(help_text="An annotation at least this confident.")
    max_confidence = ConfidenceFilter(help_text="An annotation at most this confident.")
    author = django_filters.CharFilter(help_text="Username of an annotation's author.")
    verdict = django_filters.ChoiceFilter(choices=Annotation.Verdict.choices)
    q = django_filters.CharFilter(
        method="filter_q", help_text="Words in the claim's wording or quotes."
    )
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    published_after = DateTimeFilter(help_text="An annotation published at or after this time.")
    published_before = DateTimeFilter(help_text="An annotation published before this time.")
    updated_since = DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Claims changed at or after this time (incremental harvesting).",
    )

    class Meta:
        model = Claim
        fields = []

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer if viewer is not None else AnonymousUser()

    def filter_queryset(self, queryset):
        conditions = {}
        for name, value in self.form.cleaned_data.items():
            if name in ANNOTATION_LOOKUPS:
                if name == "tag":
                    if not self.data.getlist("tag"):
                        continue
                    value = [tag.slug for tag in value]
                elif value in (None, ""):
                    continue
                conditions[ANNOTATION_LOOKUPS[name]] = value
            else:
                queryset = self.filters[name].filter(queryset, value)
        if conditions:
            queryset = queryset.assessed(self.viewer, **conditions)
        return queryset

    def filter_source(self, queryset, name, value):
        return queryset.appearing(capture__article__source__slug=value)

    def filter_article(self, queryset, name, value):
        return queryset.appearing(capture__article_id=value)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


class ClaimFilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["viewer"] = view.viewer
        return kwargs


class ClaimPagination(CursorPagination):
    ordering = ("-updated_at", "-id")


@extend_schema_view(
    create=extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer}),
    partial_update=extend_schema(request=ClaimUpdateSerializer, responses=ClaimSerializer),
)
class ClaimViewSet(
    LinkedDataMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Claims with their appearances and the annotations you may see. Anonymous users and
    read-only tokens see published annotations only, and no claim without one."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    filter_backends = [ClaimFilterBackend, StableOrderingFilter]
    ordering_fields = ["updated_at", "created_at", "id"]
    ordering = ["-updated_at"]
    pagination_class = ClaimPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    export_chunk_size = 500  # claims per chunk through the ORM and serializers
    export_sql_chunk_size = 2000  # claims per chunk when PostgreSQL builds the lines

    @property
    def viewer(self):
        if self.action in ("export", "claimreview"):
            return AnonymousUser()
        return viewer(self.request)

    def get_queryset(self):
        claims = Claim.objects.visible_to(self.viewer)
        if self.action in ("partial_update", "destroy"):
            # Writes need only the claim itself; the service decides who may.
            return claims
        if self.action == "claimreview":
            return claims.with_details(self.viewer)
        # `claims_data` loads the rest in flat queries once the page is chosen.
        return claims.with_creator()

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(claims_data(page, self.viewer))

    def retrieve(self, request, pk=None):
        return Response(claims_data([self.get_object()], self.viewer)[0])

    def create(self, request):
        serializer = ClaimCreateSerializer(data=request.data, context={"viewer": self.viewer})
        serializer.is_valid(raise_exception=True)
        appearance = services.mark_claim(user=request.user, **serializer.validated_data)
        return Response(self._read(appearance.claim_id), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        claim = self.get_object()
        serializer = ClaimUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_claim(user=request.user, claim=claim, **serializer.validated_data)
        return Response(self._read(claim.pk))

    def perform_destroy(self, instance):
        services.delete_claim(user=self.request.user, claim=instance)

    def _read(self, pk: int) -> dict:
        return claims_data([Claim.objects.with_creator().get(pk=pk)], self.viewer)[0]

    @extend_schema(
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A JSON-LD graph of schema.org ClaimReview, one per published "
                "verdict on the claim.",
            )
        },
        filters=False,
    )
    @action(
        detail=True,
        renderer_classes=[JSONLDRenderer, ORJSONRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def claimreview(self, request, pk=None):
        """schema.org ClaimReview JSON-LD for each published verdict on the claim."""
        claim = self.get_object()
        document = jsonld.claim_reviews(claim, jsonld.Links(request))
        if not document["@graph"]:
            raise Http404("This claim has no published verdict yet.")
        return Response(document, content_type="application/ld+json")

    @extend_schema(
        responses={
            (200, "application/jsonl"): OpenApiResponse(
                OpenApiTypes.STR,
                description="One published claim per line, as in the claim list, oldest first.",
            )
        },
        parameters=[OpenApiParameter("ordering", exclude=True)],
        filters=True,
    )
    def export(self, request):
        """The published corpus as JSON Lines, streamed in constant memory; accepts the claim
        list's filters (e.g. `updated_since` for incremental harvesting)."""
        reader = AnonymousUser()
        filterset = ClaimFilter(
            request.query_params,
            queryset=Claim.objects.visible_to(reader),
            request=request,
            viewer=reader,
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        claims = filterset.qs.order_by("pk")
        if sql_export.supported(claims):
            lines = sql_export.lines(claims, self.export_sql_chunk_size)
        else:
            lines = self._lines(claims, reader)
        response = StreamingHttpResponse(lines, content_type="application/jsonl; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="claimdesk-claims.jsonl"'
        return response

    def _lines(self, claims, reader):
        # Keyset pagination over the primary key: each chunk is one claims query plus the
        # fixed queries of `claims_data`, so memory stays flat however large the corpus.
        last = 0
        claims = claims.with_creator()
        while True:
            chunk = list(claims.filter(pk__gt=last)[: self.export_chunk_size])
            if not chunk:
                return
            yield b"".join(dumps(row) + b"\n" for row in claims_data(chunk, reader))
            last = chunk[-1].pk


# Appearances


class AppearanceFilter(StrictFilterSet):
    claim = IdFilter()
    capture = IdFilter()
    article = IdFilter(field_name="capture__article")
    anchor_status = django_filters.ChoiceFilter(choices=Appearance.Status.choices)

    class Meta:
        model = Appearance
        fields = ["claim", "capture", "article", "anchor_status"]


@extend_schema_view(
    create=extend_schema(request=AppearanceCreateSerializer, responses={201: AppearanceSerializer})
)
class AppearanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Where claims appear: spans of captures. Journalists mark a claim again in another
    capture (POST); the quote must equal the capture's text at start–end."""

    serializer_class = AppearanceSerializer
    filterset_class = AppearanceFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return (
            Appearance.objects.filter(claim__in=Claim.objects.visible_to(viewer(self.request)))
            .select_related("capture__article__source")
            .defer("capture__text", "capture__raw")
        )

    def create(self, request):
        serializer = AppearanceCreateSerializer(
            data=request.data, context={"viewer": viewer(request)}
        )
        serializer.is_valid(raise_exception=True)
        appearance = services.create_appearance(user=request.user, **serializer.validated_data)
        appearance = self.get_queryset().get(pk=appearance.pk)
        return Response(AppearanceSerializer(appearance).data, status=status.HTTP_201_CREATED)


# Annotations

ETAG_RE = re.compile(r'^(?:W/)?"v(\d{1,18})(?:-[a-z]+)?"$')


def etag(annotation: Annotation) -> str:
    return f'"v{annotation.version}"'


def expected_version(request, annotation: Annotation, version: int | None) -> int | None:
    """The version the client last read: `version` in the body, else the If-Match header
    (the ETag it was given). None if it sent neither: the write applies unconditionally."""
    if version is not None:
        return version
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    for tag in header.split(","):
        match = ETAG_RE.match(tag.strip())
        if match and int(match[1]) == annotation.version:
            # Let the service compare again, atomically, in its UPDATE.
            return annotation.version
    raise services.StaleVersionError(annotation, expected=_first_version(header))


def _first_version(header: str) -> int:
    match = re.search(r"v(\d{1,18})", header)
    return int(match[1]) if match else 0


class AnnotationFilter(StrictFilterSet):
    claim = IdFilter()
    status = django_filters.ChoiceFilter(choices=Annotation.Status.choices)
    author = django_filters.CharFilter(field_name="author__username")
    verdict = django_filters.ChoiceFilter(choices=Annotation.Verdict.choices)
    tag = django_filters.CharFilter(method="filter_tag", help_text="Tag slug.")

    class Meta:
        model = Annotation
        fields = ["claim", "status", "author", "verdict", "tag"]

    def filter_tag(self, queryset, name, value):
        return queryset.tagged(value)


ANNOTATION_ACTION_RESPONSES = {200: AnnotationSerializer}
W3C_RESPONSE = {
    (200, "application/ld+json"): OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="W3C Web Annotation JSON-LD (media type application/ld+json; "
        'profile="http://www.w3.org/ns/anno.jsonld").',
    )
}


@extend_schema_view(
    list=extend_schema(
        description="Annotations you may see. With `Accept: application/ld+json` (or "
        "`?format=jsonld`): an AnnotationPage of published Web Annotations.",
        responses={
            (200, "application/json"): AnnotationSerializer(many=True),
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
        },
    ),
    retrieve=extend_schema(
        description="One annotation, with its `version` and an ETag for If-Match. With "
        "`Accept: application/ld+json`: the W3C Web Annotation (published only).",
        responses={
            (200, "application/json"): AnnotationSerializer,
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
        },
    ),
    create=extend_schema(request=AnnotationCreateSerializer, responses={201: AnnotationSerializer}),
    partial_update=extend_schema(
        request=AnnotationUpdateSerializer,
        responses=AnnotationSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    ),
)
class AnnotationViewSet(
    LinkedDataMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Assessments of claims. Authors write their own while draft or returned and submit
    them; editors publish or return others' submitted ones. Send the `version` you read (or
    If-Match with the ETag): a stale one is refused with 412 and changes nothing."""

    serializer_class = AnnotationSerializer
    filterset_class = AnnotationFilter
    renderer_classes = [ORJSONRenderer, JSONLDRenderer]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    write_actions = ("partial_update", "destroy", "submit", "publish", "return_to_author")

    def get_queryset(self):
        annotations = Annotation.objects.visible_to(viewer(self.request))
        if self.action in self.write_actions:
            return annotations.select_related("claim")
        if self.action == "w3c" or self.wants_linked_data():
            return self.with_claims(annotations)
        return annotations.with_details()

    @staticmethod
    def with_claims(annotations):
        appearances = (
            Appearance.objects.select_related("capture__article__source")
            .defer("capture__text", "capture__raw")
            .order_by("pk")
        )
        return (
            annotations.with_details()
            .select_related("claim")
            .prefetch_related(Prefetch("claim__appearances", queryset=appearances))
        )

    def wants_linked_data(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer is not None and renderer.format == "jsonld"

    def list(self, request, *args, **kwargs):
        if self.wants_linked_data():
            return self.web_annotation_page(
                self.filter_queryset(self.get_queryset()).filter(
                    status=Annotation.Status.PUBLISHED
                ),
                page_id=None,
            )
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        annotation = self.get_object()
        if self.wants_linked_data():
            return self.web_annotation(annotation)
        response = Response(self.get_serializer(annotation).data)
        response["ETag"] = etag(annotation)
        return response

    def _answer(self, annotation: Annotation, code=status.HTTP_200_OK) -> Response:
        """The read representation of an annotation the user has just written."""
        annotation = Annotation.objects.with_details().get(pk=annotation.pk)
        response = Response(AnnotationSerializer(annotation).data, status=code)
        response["ETag"] = etag(annotation)
        return response

    def _writable(self) -> Annotation:
        """The annotation to change, if the user may see it (404 otherwise); the services
        decide whether they may change it."""
        return super().get_object()

    def create(self, request):
        serializer = AnnotationCreateSerializer(
            data=request.data, context={"viewer": viewer(request)}
        )
        serializer.is_valid(raise_exception=True)
        annotation = services.create_annotation(user=request.user, **serializer.validated_data)
        return self._answer(annotation, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        annotation = self._writable()
        serializer = AnnotationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(request, annotation, data.pop("version", None))
        services.update_annotation(
            user=request.user, annotation=annotation, expected_version=version, **data
        )
        return self._answer(annotation)

    def destroy(self, request, pk=None):
        annotation = self._writable()
        expected_version(request, annotation, None)
        services.delete_annotation(user=request.user, annotation=annotation)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VersionSerializer, responses=ANNOTATION_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit your draft (or returned) annotation for review."""
        annotation, _, version = self._review_input(request, VersionSerializer)
        services.submit_annotation(
            user=request.user, annotation=annotation, expected_version=version
        )
        return self._answer(annotation)

    @extend_schema(request=VersionSerializer, responses=ANNOTATION_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a submitted annotation (editors, not on their own work)."""
        annotation, _, version = self._review_input(request, VersionSerializer)
        services.publish_annotation(
            user=request.user, annotation=annotation, expected_version=version
        )
        return self._answer(annotation)

    @extend_schema(request=ReturnSerializer, responses=ANNOTATION_ACTION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_author(self, request, pk=None):
        """Return a submitted (or published) annotation to its author with a comment
        (editors, not on their own work)."""
        annotation, data, version = self._review_input(request, ReturnSerializer)
        services.return_annotation(
            user=request.user,
            annotation=annotation,
            comment=data["comment"],
            expected_version=version,
        )
        return self._answer(annotation)

    def _review_input(self, request, serializer_class):
        """The annotation to act on, the validated body, and the version the client read."""
        annotation = self._writable()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return annotation, data, expected_version(request, annotation, data.get("version"))

    # W3C Web Annotation

    def web_annotation(self, annotation: Annotation) -> Response:
        if annotation.status != Annotation.Status.PUBLISHED:
            raise Http404("Only published annotations are available as Web Annotations.")
        document = jsonld.web_annotation(annotation, jsonld.Links(self.request))
        response = Response(document, content_type=jsonld.W3C_MEDIA_TYPE)
        response["ETag"] = f'"v{annotation.version}-jsonld"'
        return response

    def web_annotation_page(self, annotations, *, page_id: str | None) -> Response:
        links = jsonld.Links(self.request)
        paginator = W3CPagination()
        page = paginator.paginate_queryset(annotations, self.request, view=self)
        if page_id is not None:
            paginator.base_url = page_id
        document = jsonld.annotation_page(
            page,
            links,
            page_id=page_id or self.request.build_absolute_uri(),
            collection_id=links.absolute(reverse("api:annotation-w3c-collection")),
            next_id=paginator.get_next_link(),
            prev_id=paginator.get_previous_link(),
        )
        return Response(document, content_type=jsonld.W3C_MEDIA_TYPE)

    def published_annotations(self):
        return self.with_claims(Annotation.objects.published())

    @extend_schema(responses=W3C_RESPONSE, filters=False)
    @action(
        detail=True,
        url_path="w3c",
        renderer_classes=[JSONLDRenderer, ORJSONRenderer],
        filter_backends=[],
    )
    def w3c(self, request, pk=None):
        """The published annotation as a W3C Web Annotation (stable URL)."""
        return self.web_annotation(self.get_object())

    @extend_schema(responses=W3C_RESPONSE, filters=False, operation_id="annotations_w3c_collection")
    @action(
        detail=False,
        url_path="w3c",
        renderer_classes=[JSONLDRenderer, ORJSONRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def w3c_collection(self, request):
        """All published annotations as a W3C AnnotationCollection; its first page is
        embedded, the following ones are linked (`next`)."""
        links = jsonld.Links(request)
        annotations = self.published_annotations()
        page = self.web_annotation_page(
            annotations, page_id=links.absolute(reverse("api:annotation-w3c-page"))
        ).data
        page.pop("@context")
        document = jsonld.annotation_collection(
            links,
            collection_id=links.absolute(reverse("api:annotation-w3c-collection")),
            total=annotations.count(),
            first=page,
        )
        return Response(document, content_type=jsonld.W3C_MEDIA_TYPE)

    @extend_schema(
        responses=W3C_RESPONSE,
        filters=False,
        parameters=[
            OpenApiParameter("cursor", str, description="The pagination cursor value."),
            OpenApiParameter("page_size", int, description="Annotations per page (1–100)."),
        ],
    )
    @action(
        detail=False,
        url_path="w3c/page",
        renderer_classes=[JSONLDRenderer, ORJSONRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def w3c_page(self, request):
        """One W3C AnnotationPage of the published annotations."""
        return self.web_annotation_page(self.published_annotations(), page_id=None)


class W3CPagination(CursorPagination):
    ordering = ("id",)


# Evidence


class EvidenceFilter(StrictFilterSet):
    annotation = IdFilter()

    class Meta:
        model = Evidence
        fields = ["annotation"]


@extend_schema_view(
    create=extend_schema(request=EvidenceCreateSerializer, responses={201: EvidenceSerializer})
)
class EvidenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What backs annotations: links, quotes of archived captures, documents. Authors add and
    remove evidence on their own annotations while those are draft or returned."""

    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter
    # JSON, or multipart to attach a document.
    parser_classes = [JSONParser, MultiPartParser]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        visible = Annotation.objects.visible_to(viewer(self.request))
        return Evidence.objects.alive().filter(annotation__in=visible).select_related("added_by")

    def create(self, request):
        serializer = EvidenceCreateSerializer(
            data=request.data, context={"viewer": viewer(request)}
        )
        serializer.is_valid(raise_exception=True)
        evidence = services.add_evidence(user=request.user, **serializer.validated_data)
        evidence = self.get_queryset().get(pk=evidence.pk)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.remove_evidence(user=self.request.user, evidence=instance)


# Tags


@extend_schema_view(
    create=extend_schema(request=TagWriteSerializer, responses={201: TagSerializer}),
    partial_update=extend_schema(request=TagUpdateSerializer, responses=TagSerializer),
)
class TagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The shared tag vocabulary. Editors add and refine tags."""

    serializer_class = TagSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None
    filter_backends = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Tag.objects.order_by("category", "label")

    def create(self, request):
        serializer = TagWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tag = services.save_tag(user=request.user, **serializer.validated_data)
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, slug=None):
        tag = self.get_object()
        serializer = TagUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {
            "slug": tag.slug,
            "label": tag.label,
            "description": tag.description,
            "category": tag.category,
            **serializer.validated_data,
        }
        tag = services.save_tag(user=request.user, tag=tag, **fields)
        return Response(TagSerializer(tag).data)


def claimdesk_context(request):
    """The JSON-LD context of Claimdesk's extension terms (confidence, verdict, …)."""
    vocabulary = request.build_absolute_uri(jsonld.CONTEXT_PATH).removesuffix(".jsonld") + "#"
    return JsonResponse(
        jsonld.claimdesk_context(vocabulary),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )
