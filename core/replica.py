"""Which database a request reads from when there is a read replica: the router, the
middleware that decides per request, and the read-your-writes mark.

Anonymous visitors and read-only API tokens read from the replica ("replica"); everything
else — every write, every read of a logged-in user or of a token that may write, every read
inside a transaction on the primary — goes to the primary ("default"). After a request that
wrote (a non-safe method that succeeded, or a write recorded in the journal), the client's
reads stay on the primary for CLAIMDESK_READ_YOUR_WRITES_SECONDS, carried by a signed cookie
so that every app server honours it. With CLAIMDESK_READ_REPLICA off (no
DATABASE_REPLICA_URL) the router answers nothing and the middleware does nothing.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from asgiref.local import Local
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
PRIMARY = DEFAULT_DB_ALIAS
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The signed cookie that keeps a client's reads on the primary after its write.
COOKIE = "claimdesk_primary_reads"
SALT = "core.replica.read-your-writes"

# Per request (per context, so also under ASGI): where this request's reads go.
_local = Local()


@dataclass
class Routing:
    """The routing of one request. `on_replica` starts False — reads made while deciding
    (the session, the user, an API token) go to the primary — and becomes True only for an
    anonymous or read-only reader; `wrote` pins the rest of the request to the primary and
    sets the cookie on the response."""

    on_replica: bool = False
    pinned: bool = False
    wrote: bool = False


def enabled() -> bool:
    return bool(settings.CLAIMDESK_READ_REPLICA)


def current() -> Routing | None:
    return getattr(_local, "routing", None)


def note_write() -> None:
    """A write was made for the current request (services call this through the journal):
    its later reads, and the client's for the next seconds, go to the primary. Outside a
    request, or without a replica, nothing to do."""
    routing = current()
    if routing is not None:
        routing.wrote = routing.pinned = True
        routing.on_replica = False


def reads_as_anonymous(request) -> None:
    """The request's credentials turned out to be a read-only token: it sees what anonymous
    visitors see, so it reads where they do (unless the request writes or follows a write)."""
    routing = current()
    if routing is not None and not routing.pinned and request.method in SAFE_METHODS:
        routing.on_replica = True


def recently_wrote(request) -> bool:
    seconds = settings.CLAIMDESK_READ_YOUR_WRITES_SECONDS
    if not seconds or COOKIE not in request.COOKIES:
        return False
    return request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=seconds) is not None


class ReplicaRoutingMiddleware:
    """Decides, per request, whether its reads may go to the replica; after a write, marks the
    client for read-your-writes. Sits after AuthenticationMiddleware (it asks who is logged
    in, and only when a session cookie came)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled():
            return self.get_response(request)
        routing = Routing()
        previous = current()
        _local.routing = routing
        try:
            routing.pinned = request.method not in SAFE_METHODS or recently_wrote(request)
            routing.on_replica = not routing.pinned and self.looks_anonymous(request)
            response = self.get_response(request)
        finally:
            _local.routing = previous
        wrote = routing.wrote or (request.method not in SAFE_METHODS and response.status_code < 400)
        if response.streaming and not getattr(response, "is_async", False):
            response.streaming_content = self.routed(routing, response.streaming_content)
        seconds = settings.CLAIMDESK_READ_YOUR_WRITES_SECONDS
        if wrote and seconds:
            response.set_signed_cookie(
                COOKIE,
                "1",
                salt=SALT,
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def routed(routing: Routing, chunks: Iterable) -> Iterator:
        """A streamed body (an export) is produced after the middleware has returned: produce
        each chunk under the request's routing, so its reads go where the request's go."""
        chunks = iter(chunks)
        while True:
            previous = current()
            _local.routing = routing
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                _local.routing = previous
            yield chunk

    @staticmethod
    def looks_anonymous(request) -> bool:
        # API credentials are checked later, by the API view: until a read-only token is
        # recognised (reads_as_anonymous above), the request reads the primary, so a token made
        # a moment ago is found.
        if "HTTP_AUTHORIZATION" in request.META:
            return False
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return True
        # Every logged-in user may write (an API token of their own, at least).
        return not request.user.is_authenticated


class ReplicaRouter:
    """Reads to the replica when the current request may use it, all else to the primary.
    Writes always go to the primary — also for an object that was read from the replica."""

    def db_for_read(self, model, **hints):
        if not enabled():
            return None
        routing = current()
        if routing is None or not routing.on_replica:
            return PRIMARY
        # Inside a transaction on the primary, reads stay with it: the transaction must see
        # its own writes and a consistent snapshot.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY if enabled() else None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: objects from either may be related.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A streaming standby is read-only: migrations reach it by replication.
        return False if db == REPLICA else None
