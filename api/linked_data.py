"""Linked data in the API: the JSON-LD renderer, the mixin that keeps errors plain JSON, and
the view of Claimdesk's own JSON-LD context."""

from django.http import JsonResponse

from core.api.renderers import ORJSONRenderer
from publication import jsonld


class JSONLDRenderer(ORJSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


# What an action that answers JSON-LD (or JSON, on request) takes: no filters, no pages.
LINKED_DATA_ACTION = {
    "renderer_classes": [JSONLDRenderer, ORJSONRenderer],
    "filter_backends": [],
    "pagination_class": None,
}


class LinkedDataMixin:
    """For views that can answer JSON-LD: errors are plain JSON whatever was asked for."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and isinstance(renderer, JSONLDRenderer):
            response.content_type = "application/json"
        return response


def claimdesk_context(request):
    """The JSON-LD context of Claimdesk's extension terms (confidence, verdict, …)."""
    vocabulary = request.build_absolute_uri(jsonld.CONTEXT_PATH).removesuffix(".jsonld") + "#"
    return JsonResponse(
        jsonld.claimdesk_context(vocabulary),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )
