"""The change feed for partners who mirror the corpus: `/api/changes/` (pages) and
`/api/changes.jsonl` (bulk catch-up). See `publication.feed` for why it never skips a
change."""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.response import Response

from accounts.authentication import viewer
from api.claims import WithdrawalSerializer
from api.serializers import ClaimSerializer
from core.api.renderers import ORJSONRenderer, dumps
from publication import feed

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
BULK_CHUNK = 1000


class FeedGone(exceptions.APIException):
    status_code = 410
    default_code = "gone"


def _position(request) -> feed.Position:
    since = request.query_params.get("since")
    try:
        return feed.parse_since(since)
    except feed.InvalidCursor:
        raise exceptions.ValidationError(
            {"since": ["This cursor is not one we issued: use next_since as given."]}
        ) from None
    except feed.ExpiredCursor:
        raise FeedGone(
            "This cursor is older than the changes kept: resync from /api/claims/ and "
            "start again from the next_since of a fresh /api/changes/ page."
        ) from None


def _page_size(request) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise exceptions.ValidationError(
            {"page_size": [f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
        )
    return int(raw)


CHANGE = inline_serializer(
    "ClaimChange",
    {
        "kind": serializers.ChoiceField(choices=["claim"]),
        "id": serializers.IntegerField(),
        "action": serializers.ChoiceField(choices=["upsert", "delete"]),
        "at": serializers.DateTimeField(help_text="When the claim last changed in this page."),
        "claim": ClaimSerializer(allow_null=True, help_text="As GET /api/claims/{id}/ shows it."),
        "withdrawn": WithdrawalSerializer(
            required=False,
            allow_null=True,
            help_text="Tombstones only: why the claim left the public record (null when it "
            "left your view without a withdrawal, e.g. a draft removed).",
        ),
    },
)
SINCE = OpenApiParameter(
    "since",
    {"type": "string", "pattern": feed.CURSOR_PATTERN},
    description="The next_since of your last page, as given (signed: an edited one is a 400); "
    "absent or empty: from the beginning.",
)


@extend_schema(
    operation_id="changes_list",
    parameters=[
        SINCE,
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            description=f"Changes per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
        ),
    ],
    responses={
        200: inline_serializer(
            "ChangePage",
            {
                "results": serializers.ListField(child=CHANGE),
                "next_since": serializers.CharField(),
                "has_more": serializers.BooleanField(),
            },
        ),
        410: OpenApiResponse(description="The cursor is too old: resync from /api/claims/."),
    },
)
@api_view(["GET"])
@renderer_classes([ORJSONRenderer])
def changes(request):
    """The claims that changed for you since `since`, oldest change first, each once per page:
    an upsert with the claim as you see it now, or a delete (a tombstone) for a claim you can
    no longer see. Never skips a change, even one committed late; ask again with
    `next_since` while `has_more`."""
    position = _position(request)
    result = feed.page(viewer(request), position, _page_size(request))
    return Response(
        {"results": result.results, "next_since": result.next_since, "has_more": result.has_more}
    )


@extend_schema(
    operation_id="changes_jsonl",
    parameters=[SINCE],
    responses={
        (200, "application/jsonl"): OpenApiResponse(
            OpenApiTypes.STR,
            description="One change per line, as in /api/changes/; the cursor to continue "
            "from is in the X-Next-Since header.",
        ),
        410: OpenApiResponse(description="The cursor is too old: resync from /api/claims/."),
    },
)
@api_view(["GET"])
def changes_jsonl(request):
    """Every change since `since` up to now, streamed as JSON Lines; continue from the
    X-Next-Since header."""
    reader = viewer(request)
    position = _position(request)
    # Everything settled now stays settled: stream up to it, and name it as the next cursor.
    end = feed.settled_entries().order_by("-xid", "-id").values("xid", "id").first()
    end_position = feed.Position(end["xid"], end["id"]) if end else position

    def lines():
        current = position
        while (current.xid, current.id) < (end_position.xid, end_position.id):
            result = feed.page(reader, current, BULK_CHUNK)
            yield b"".join(dumps(change) + b"\n" for change in result.results)
            current = feed.Position.decode(result.next_since)
            if not result.has_more:
                return

    response = StreamingHttpResponse(lines(), content_type="application/jsonl; charset=utf-8")
    response["X-Next-Since"] = end_position.issued_now().encode()
    return response
