"""Annotations: reading and writing them, the review actions (submit, publish, return), the
version checks (ETag / If-Match), and their W3C Web Annotation renderings."""

import re

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.authentication import viewer
from annotations import services, visibility
from annotations.filters import AnnotationFilter
from annotations.models import Annotation
from api.linked_data import LINKED_DATA_ACTION, JSONLDRenderer, LinkedDataMixin
from api.serializers import (
    AnnotationCreateSerializer,
    AnnotationSerializer,
    AnnotationUpdateSerializer,
    RetractSerializer,
    ReturnSerializer,
    RevertSerializer,
    VersionSerializer,
)
from core.api.pagination import CURSOR_PATTERN, CursorPagination
from core.api.renderers import ORJSONRenderer
from journal.history import HISTORY_DOC, history_response
from journal.models import Entry
from publication import jsonld

ETAG_RE = re.compile(r'^(?:W/)?"v(\d{1,18})(?:-[a-z]+)?"$')


# The longest If-Match header read: a few ETags ("v12") are a few dozen characters.
IF_MATCH_MAX_LENGTH = 200


def etag(annotation: Annotation) -> str:
    return f'"v{annotation.version}"'


def expected_version(request, annotation: Annotation, version: int | None) -> int | None:
    """The version the client last read: `version` in the body, else the If-Match header
    (the ETag it was given; `*` means the version stored now). None if it sent neither: the
    services refuse that with 428, after checking that the user may write at all. The
    services compare the version, so a stale one is refused (412) only after that check."""
    header = request.headers.get("If-Match", "").strip()
    if len(header) > IF_MATCH_MAX_LENGTH:
        raise exceptions.ValidationError(
            {"If-Match": [f"If-Match takes at most {IF_MATCH_MAX_LENGTH} characters."]}
        )
    if version is not None:
        return version
    if not header:
        return None
    if header == "*":
        return annotation.version
    for tag in header.split(","):
        match = ETAG_RE.match(tag.strip())
        if match and int(match[1]) == annotation.version:
            return annotation.version
    return _first_version(header)


def _first_version(header: str) -> int:
    match = re.search(r"v(\d{1,18})", header)
    return int(match[1]) if match else 0


ANNOTATION_ACTION_RESPONSES = {200: AnnotationSerializer}
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "maxLength": IF_MATCH_MAX_LENGTH},
    OpenApiParameter.HEADER,
    description='The ETag you read (`"v3"`), instead of `version` in the body; one of the two '
    "is required (428 otherwise).",
)
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
        parameters=[IF_MATCH],
    ),
    destroy=extend_schema(request=VersionSerializer, parameters=[IF_MATCH]),
)
class AnnotationViewSet(
    LinkedDataMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Assessments of claims. Authors write their own while draft or returned and submit
    them; editors publish or return others' submitted ones. Every change (edit, review action,
    delete) sends the `version` you read, or If-Match with the ETag: a stale one is refused
    with 412, a missing one with 428, and both change nothing."""

    serializer_class = AnnotationSerializer
    filterset_class = AnnotationFilter
    renderer_classes = [ORJSONRenderer, JSONLDRenderer]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    write_actions = (
        "partial_update",
        "destroy",
        "submit",
        "publish",
        "return_to_author",
        "retract",
        "revert",
    )

    def get_queryset(self):
        annotations = Annotation.objects.visible_to(viewer(self.request))
        if self.action in self.write_actions:
            return annotations.select_related("claim")
        if self.action == "history":
            return annotations.only("id")
        if self.action == "w3c" or self.wants_linked_data():
            # Rows by name, not instances: Web Annotations are built from representations.
            annotations = Annotation.objects.filter(visibility.linked_data(viewer(self.request)))
            return annotations.values(*jsonld.WEB_ANNOTATION_FIELDS)
        return annotations.with_details()

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
        return self._change(request, services.update_annotation, AnnotationUpdateSerializer)

    def destroy(self, request, pk=None):
        annotation = self._writable()
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.delete_annotation(
            user=request.user,
            annotation=annotation,
            expected_version=expected_version(
                request, annotation, serializer.validated_data.get("version")
            ),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=VersionSerializer, responses=ANNOTATION_ACTION_RESPONSES, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit your draft (or returned) annotation for review."""
        return self._change(request, services.submit_annotation)

    @extend_schema(
        request=VersionSerializer, responses=ANNOTATION_ACTION_RESPONSES, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a submitted annotation (editors, not on their own work)."""
        return self._change(request, services.publish_annotation)

    @extend_schema(
        request=ReturnSerializer, responses=ANNOTATION_ACTION_RESPONSES, parameters=[IF_MATCH]
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_author(self, request, pk=None):
        """Return a submitted (or published) annotation to its author with a comment
        (editors, not on their own work)."""
        return self._change(request, services.return_annotation, ReturnSerializer)

    @extend_schema(request=RetractSerializer, responses=ANNOTATION_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def retract(self, request, pk=None):
        """Retract a published annotation with a public reason (editors): it stops being
        current for readers, and its history stays."""
        return self._change(request, services.retract_annotation, RetractSerializer)

    @extend_schema(
        request=RevertSerializer,
        responses=ANNOTATION_ACTION_RESPONSES,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        """Restore the assessment (confidence, tags, verdict, rationale) of an earlier
        `version` as a new version, under the rules of an edit. Send the version you read as
        If-Match (or `expected_version`)."""
        annotation = self._writable()
        serializer = RevertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = expected_version(request, annotation, data.pop("expected_version", None))
        services.revert_annotation(
            user=request.user, annotation=annotation, expected_version=expected, **data
        )
        return self._answer(annotation)

    @extend_schema(**HISTORY_DOC)
    @action(detail=True)
    def history(self, request, pk=None):
        """The annotation's history, oldest first: every version, who made it and why.
        Readers who see only published material see the events of its published life."""
        annotation, reader = self.get_object(), viewer(request)
        entries = Entry.objects.about("annotation", annotation.pk).filter(
            visibility.entries(reader)
        )
        return history_response(self, entries, lambda row: visibility.event_as_read(row, reader))

    def _change(self, request, service, serializer_class=VersionSerializer) -> Response:
        """Validate the body, call `service` on the annotation with the rest of it and the
        version the client read, and answer with the annotation as it is now."""
        annotation = self._writable()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = expected_version(request, annotation, data.pop("version", None))
        service(user=request.user, annotation=annotation, expected_version=version, **data)
        return self._answer(annotation)

    # W3C Web Annotation

    def web_annotation(self, row: dict) -> Response:
        """The Web Annotation of one row of `get_queryset()` for linked data."""
        if row["status"] != Annotation.Status.PUBLISHED:
            raise Http404("Only published annotations are available as Web Annotations.")
        [document] = jsonld.web_annotations([row], jsonld.Links(self.request), context=True)
        response = Response(document, content_type=jsonld.W3C_MEDIA_TYPE)
        response["ETag"] = f'"v{row["version"]}-jsonld"'
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
        visible = visibility.published_annotations(viewer(self.request))
        return Annotation.objects.filter(visible).values(*jsonld.WEB_ANNOTATION_FIELDS)

    @extend_schema(responses=W3C_RESPONSE, filters=False)
    @action(
        detail=True,
        url_path="w3c",
        **LINKED_DATA_ACTION,
    )
    def w3c(self, request, pk=None):
        """The published annotation as a W3C Web Annotation (stable URL)."""
        return self.web_annotation(self.get_object())

    @extend_schema(responses=W3C_RESPONSE, filters=False, operation_id="annotations_w3c_collection")
    @action(
        detail=False,
        url_path="w3c",
        **LINKED_DATA_ACTION,
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
            OpenApiParameter(
                "cursor",
                {"type": "string", "pattern": CURSOR_PATTERN},
                description="Where the page starts: the `next` or `prev` link gives it.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE},
                description=f"Annotations per page (1–{settings.API_MAX_PAGE_SIZE}).",
            ),
        ],
    )
    @action(
        detail=False,
        url_path="w3c/page",
        **LINKED_DATA_ACTION,
    )
    def w3c_page(self, request):
        """One W3C AnnotationPage of the published annotations."""
        return self.web_annotation_page(self.published_annotations(), page_id=None)


class W3CPagination(CursorPagination):
    ordering = ("id",)
