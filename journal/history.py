"""History as the API serves it: journal entries as events, oldest first, cursor-paginated.
The annotations' and the archive's endpoints choose the entries (the object's, visible to
the requester) and answer with `history_response`, saying how the requester reads each one
(`annotations.visibility.event_as_read`: an editor's comment to an author is not for
everyone)."""

import datetime as dt
from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from core.api.pagination import CursorPagination

# The columns an event is built from: one query per page, no model instances.
EVENT_FIELDS = (
    "id",
    "at",
    "kind",
    "object_id",
    "action",
    "actor_name",
    "version",
    "from_version",
    "reason",
    "changes",
    "request_id",
    "owner_id",  # whose work: who may read an editor's comment on it (not shown)
)


def _iso(value: dt.datetime) -> str:
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def event(row: dict) -> dict:
    """One journal entry (a `.values(*EVENT_FIELDS)` row) as a history event."""
    return {
        "at": _iso(row["at"]),
        "kind": row["kind"],
        "id": row["object_id"],
        "action": row["action"],
        "actor": row["actor_name"],
        "version": row["version"],
        "from_version": row["from_version"],
        "reason": row["reason"],
        "changes": row["changes"],
        "request_id": row["request_id"],
    }


class HistoryPagination(CursorPagination):
    ordering = ("id",)  # oldest first; ids order one object's entries as they were written
    page_size = 50


def history_response(view, entries, as_read: Callable[[dict], dict]) -> Response:
    """A page of `entries` (a journal QuerySet) as events, with next/previous links; each
    row as the requester reads it (`as_read`, the visibility policy's)."""
    paginator = HistoryPagination()
    # Not the view: its ordering filter (a claim list's) is not the history's order.
    page = paginator.paginate_queryset(entries.values(*EVENT_FIELDS), view.request)
    return paginator.get_paginated_response([event(as_read(row)) for row in page])


CHANGE = inline_serializer(
    "Change",
    {
        "field": serializers.CharField(help_text="The field's name in the API."),
        "from": serializers.JSONField(help_text="Its value before (null: none)."),
        "to": serializers.JSONField(help_text="Its value after (null: none)."),
    },
)
EVENT = inline_serializer(
    "HistoryEvent",
    {
        "at": serializers.DateTimeField(),
        "kind": serializers.CharField(help_text="claim, appearance, annotation, source, …"),
        "id": serializers.IntegerField(help_text="The id of the object changed."),
        "action": serializers.CharField(help_text="created, edited, published, retracted, …"),
        "actor": serializers.CharField(help_text="A username, or a system actor's name."),
        "version": serializers.IntegerField(allow_null=True, help_text="Annotations only."),
        "from_version": serializers.IntegerField(allow_null=True, help_text="For `reverted`."),
        "reason": serializers.CharField(),
        "changes": serializers.ListField(child=CHANGE),
        "request_id": serializers.CharField(),
    },
)
HISTORY_RESPONSE = OpenApiResponse(
    inline_serializer(
        "HistoryPage",
        {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializers.ListField(child=EVENT),
        },
    ),
    description="Events oldest first; follow `next` for more.",
)
HISTORY_DOC = dict(responses={200: HISTORY_RESPONSE}, filters=False)
