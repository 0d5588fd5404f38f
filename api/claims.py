"""Claims: the list (with `ClaimFilter`), detail, marking a new claim, changes, ClaimReview
and the JSON Lines export. Anonymous readers and read-only tokens are served the stored
documents of the published read model (`publication.published`), joined into the page without
parsing them; everyone else reads through `claims_data` (flat queries, no model instance per
related row). Writes validate their input, call a service, and answer with the read
representation.

A claim withdrawn from public (retracted or removed) answers 410 with the withdrawal, on its
detail and its ClaimReview, to those it was public to; its history stays readable after a
retraction."""

import orjson
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, filters, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.authentication import viewer
from annotations import services, visibility
from annotations.filters import ClaimFilter
from annotations.models import Claim
from api.linked_data import LINKED_DATA_ACTION, LinkedDataMixin
from api.serializers import ClaimCreateSerializer, ClaimSerializer, ClaimUpdateSerializer
from core.api.filters import FilterBackend
from core.api.pagination import CursorPagination
from core.models import MAX_ID
from journal.history import HISTORY_RESPONSE, history_response
from journal.models import Entry
from publication import corrections, jsonld, published
from publication.public import canonical_url
from publication.representations import claims_data

# A reason given in the query string, which must fit the request line (gunicorn.conf.py).
REASON_QUERY_MAX_LENGTH = 500
QUERY_REASON = serializers.CharField(
    max_length=REASON_QUERY_MAX_LENGTH,
    allow_blank=True,
    trim_whitespace=False,
    error_messages={
        "max_length": f"A reason in the query takes at most {REASON_QUERY_MAX_LENGTH} "
        "characters: send a longer one in the body."
    },
)


class StableOrderingFilter(filters.OrderingFilter):
    """Orders as asked — one of the view's `ordering_fields`, `-` first for descending; any
    other value is a 400, as the schema's enum says — then by id, so that cursor pages never
    shuffle ties."""

    def choices(self, view) -> list[str]:
        return [f"{sign}{field}" for field in view.ordering_fields for sign in ("", "-")]

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "detail", False):
            return queryset  # a detail names its object by id (see FilterBackend)
        return super().filter_queryset(request, queryset, view)

    def get_ordering(self, request, queryset, view):
        asked = request.query_params.get(self.ordering_param)
        if asked is not None and asked not in self.choices(view):
            raise exceptions.ValidationError(
                {self.ordering_param: [f"Order by one of: {', '.join(self.choices(view))}."]}
            )
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and ordering[0].lstrip("-") not in ("id", "pk"):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.ordering_param:
                parameter["schema"] = {"type": "string", "enum": self.choices(view)}
        return parameters


class ClaimFilterBackend(FilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["viewer"] = view.viewer
        return kwargs


class ClaimPagination(CursorPagination):
    ordering = ("-updated_at", "-id")


class WithdrawalSerializer(serializers.Serializer):
    """The schema of a withdrawal, `{as, at, reason}` (`corrections.withdrawal`)."""

    at = serializers.DateTimeField()
    reason = serializers.CharField(
        allow_blank=True, help_text="The reason given in public (none for `unpublished`)."
    )

    def get_fields(self):
        # `as` is a Python keyword: no class attribute can be named so.
        return {
            "as": serializers.ChoiceField(
                choices=["retracted", "removed", "unpublished"],
                help_text="How it left the public record: its published assessment retracted, "
                "the claim removed, or its published assessment returned to its author.",
            ),
            **super().get_fields(),
        }

    class Meta:
        ref_name = "Withdrawal"


WITHDRAWN_CLAIM = OpenApiResponse(
    inline_serializer(
        "WithdrawnClaim",
        {
            "id": serializers.IntegerField(),
            "status": serializers.ChoiceField(choices=list(corrections.GONE)),
            "withdrawn": WithdrawalSerializer(),
            "detail": serializers.CharField(),
        },
    ),
    description="The claim was public and has been withdrawn: retracted or removed, when and "
    "why (the corrections log lists every withdrawal).",
)


# What a claim that is not there, or not visible, answers: as a queryset lookup's 404 says.
NOT_FOUND = "No Claim matches the given query."


def withdrawn_claim(gone: corrections.Gone) -> dict:
    """The body of a withdrawn claim's 410."""
    day, reason = gone.withdrawn["at"][:10], gone.withdrawn["reason"]
    if gone.status == "removed":
        said = f"This claim was removed on {day}, giving the reason: {reason}"
    else:
        said = f"The published assessment of this claim was retracted on {day}: {reason}"
    log = canonical_url(reverse("annotations:corrections"))
    return {
        "id": gone.claim_id,
        "status": gone.status,
        "withdrawn": gone.withdrawn,
        "detail": f"{said} (every withdrawal is listed at {log}).",
    }


@extend_schema_view(
    create=extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer}),
    partial_update=extend_schema(request=ClaimUpdateSerializer, responses=ClaimSerializer),
    retrieve=extend_schema(responses={200: ClaimSerializer, 410: WITHDRAWN_CLAIM}),
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
    export_chunk_size = 2000  # stored lines per chunk of the export

    @property
    def viewer(self):
        return viewer(self.request)

    @property
    def reads_published(self) -> bool:
        """Whether this reader sees what every anonymous reader sees, so the stored documents
        serve them (authenticated users see their drafts: the live path)."""
        return not self.viewer.is_authenticated

    def get_queryset(self):
        if self.action in ("list", "retrieve", "history") and self.reads_published:
            return published.claims()
        claims = Claim.objects.visible_to(self.viewer)
        if self.action in ("partial_update", "destroy", "history"):
            # Writes need only the claim itself; the service decides who may.
            return claims
        # `claims_data` loads the rest in flat queries once the page is chosen.
        return claims.with_creator()

    def list(self, request):
        claims = self.filter_queryset(self.get_queryset())
        if self.reads_published:
            # One query: the page's ordering fields and stored documents, which go into the
            # page as they are (orjson fragments: no parsing, no serializer).
            page = self.paginate_queryset(published.documents(claims))
            return self.get_paginated_response([orjson.Fragment(r["document"]) for r in page])
        page = self.paginate_queryset(claims)
        return self.get_paginated_response(claims_data(page, self.viewer))

    def retrieve(self, request, pk=None):
        if self.reads_published:
            stored = published.document().filter(pk=self._claim_id()).first()
            if stored is None:
                return self._withdrawn()
            return Response(orjson.Fragment(stored))
        try:
            claim = self.get_object()
        except Http404:
            return self._withdrawn()
        return Response(claims_data([claim], self.viewer)[0])

    def _claim_id(self) -> int:
        """The claim id the URL names (404 for one no claim can have)."""
        raw = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
            raise Http404(NOT_FOUND)
        return int(raw)

    def _gone(self) -> corrections.Gone:
        """The withdrawal of the claim this reader may not see (404 when it was never
        public to them, or is only unpublished for now)."""
        gone = corrections.gone(self._claim_id(), self.viewer)
        if gone is None:
            raise Http404(NOT_FOUND)
        return gone

    def _withdrawn(self) -> Response:
        """410 with the withdrawal of the claim this reader may not see, else 404."""
        return Response(withdrawn_claim(self._gone()), status=status.HTTP_410_GONE)

    def create(self, request):
        serializer = ClaimCreateSerializer(data=request.data, context={"viewer": self.viewer})
        serializer.is_valid(raise_exception=True)
        appearance, _ = services.mark_claim(user=request.user, **serializer.validated_data)
        return Response(self._read(appearance.claim_id), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        claim = self.get_object()
        serializer = ClaimUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_claim(user=request.user, claim=claim, **serializer.validated_data)
        return Response(self._read(claim.pk))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "reason",
                {"type": "string", "maxLength": REASON_QUERY_MAX_LENGTH},
                description="Why the claim is removed (also accepted as `reason` in a JSON "
                "body, up to 2,000 characters); required once an assessment of it is "
                "published.",
            )
        ],
    )
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        reason = self.request.query_params.get("reason", "")
        try:
            reason = QUERY_REASON.run_validation(reason)
        except exceptions.ValidationError as error:
            raise exceptions.ValidationError({"reason": error.detail}) from None
        if hasattr(self.request.data, "get"):
            reason = self.request.data.get("reason", reason)
        if not isinstance(reason, str):
            raise ValidationError({"reason": "The reason is a text."})
        services.delete_claim(user=self.request.user, claim=instance, reason=reason)

    @extend_schema(responses={200: HISTORY_RESPONSE, 410: WITHDRAWN_CLAIM}, filters=False)
    @action(detail=True)
    def history(self, request, pk=None):
        """The claim's history with its appearances', annotations' and evidence's, oldest
        first; what you may read of it follows what you may see (drafts stay their authors'
        and editors'). A retracted claim's stays readable, retraction included, to those it
        was public to; a removed claim's answers 410."""
        claim_id = self._claim_id()
        # Whether the reader sees the claim, and nothing more: no instance, and none of the
        # list's filters (an anonymous reader asks the read model's key).
        if not self.get_queryset().filter(pk=claim_id).exists():
            gone = self._gone()
            if gone.removed:
                return Response(withdrawn_claim(gone), status=status.HTTP_410_GONE)
        entries = Entry.objects.filter(visibility.entries(self.viewer), claim_id=claim_id)
        return history_response(
            self, entries, lambda row: visibility.event_as_read(row, self.viewer)
        )

    def _read(self, pk: int) -> dict:
        return claims_data([Claim.objects.with_creator().get(pk=pk)], self.viewer)[0]

    @extend_schema(
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A JSON-LD graph of schema.org ClaimReview, one per published "
                "verdict on the claim.",
            ),
            410: WITHDRAWN_CLAIM,
        },
        filters=False,
    )
    @action(
        detail=True,
        **LINKED_DATA_ACTION,
    )
    def claimreview(self, request, pk=None):
        """schema.org ClaimReview JSON-LD for each published verdict on the claim that you may
        see; 410 when the claim was withdrawn."""
        try:
            claim = self.get_object()
        except Http404:
            return self._withdrawn()
        [claim] = claims_data([claim], self.viewer)
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
        list's filters (e.g. `updated_since` for incremental harvesting). A journalist assigned
        a claim blind does not get it until they have submitted their own assessment."""
        claims = published.claims().filter(visibility.unchanged_by_blind_mode(self.viewer))
        filterset = ClaimFilter(
            request.query_params,
            queryset=claims,
            request=request,
            viewer=published.READER,
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        if self.reads_published and not filterset.filters_anything():
            # The public record, whole: the read model's documents as they are stored.
            lines = published.export_all_lines(self.export_chunk_size)
        else:
            lines = published.export_lines(filterset.qs, self.export_chunk_size)
        response = StreamingHttpResponse(lines, content_type="application/jsonl; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="claimdesk-claims.jsonl"'
        return response
