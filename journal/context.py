"""The request id of the work in progress, for the journal entries it writes; and the
middleware that sets it from X-Request-ID (or a new one) and echoes it in the response, and
gives the request a cache of its own (`request_cache`) for answers that hold while it is
served."""

import contextvars
import re
import uuid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_request_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "request_cache", default=None
)


def request_cache() -> dict | None:
    """A dict that lives as long as the request being served (None outside a request: a
    worker's job, a command), for the listeners' answers that hold for the whole request
    unless the request itself changes them (who keeps one clears it then)."""
    return _request_cache.get()


# What a client may send as its own request id: short and printable, nothing to inject.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class RequestIdMiddleware:
    """Every request gets an id: the client's X-Request-ID when it is a plausible one, else a
    new UUID; journal entries written while serving it carry it, and so does the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        current = given if REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        token = request_id.set(current)
        cache = _request_cache.set({})
        try:
            response = self.get_response(request)
        finally:
            _request_cache.reset(cache)
            request_id.reset(token)
        response["X-Request-ID"] = current
        return response
