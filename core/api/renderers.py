"""JSON rendering through orjson, and the content negotiation that refuses an empty
`?format=`."""

import datetime as dt
import decimal
import uuid

import orjson
from django.utils.encoding import force_str
from django.utils.functional import Promise
from rest_framework import exceptions, negotiation, renderers


def _default(value):
    if isinstance(value, Promise):
        return force_str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID | bytes):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(data) -> bytes:
    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


class ORJSONRenderer(renderers.JSONRenderer):
    """JSON through orjson: an order of magnitude faster than the standard library."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return dumps(data)


class ContentNegotiation(negotiation.DefaultContentNegotiation):
    """DRF's negotiation, except that an empty `?format=` is an error, not "no choice"."""

    def select_renderer(self, request, renderers, format_suffix=None):
        param = self.settings.URL_FORMAT_OVERRIDE
        if param and request.query_params.get(param) == "":
            formats = ", ".join(sorted({r.format for r in renderers if r.format != "api"}))
            raise exceptions.ValidationError(
                {param: [f"Give one of: {formats}; or leave the parameter out."]}
            )
        return super().select_renderer(request, renderers, format_suffix)
