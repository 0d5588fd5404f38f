"""Fetching a live URL as a `Document`, within the configured deadline and size limit, and
never from a non-public address: each connection (the first request's and every redirect's)
resolves its host once, vets every address, and connects to a vetted one, so that a name
answering differently to a second look-up (DNS rebinding) cannot lead it elsewhere."""

import ipaddress
import socket
import time
from dataclasses import dataclass

import httpcore
import httpx
from django.conf import settings

from ..models import Capture
from .documents import Document, IngestError, size_limit, too_large
from .readers import HTML_CONTENT_TYPES, parse_html

USER_AGENT = "Claimdesk/0.1 (news archive)"


class PrivateAddressError(httpx.HTTPError):
    def __init__(self, host: str, address: ipaddress._BaseAddress):
        super().__init__(f"{host} is a non-public address ({address}); fetching it is not allowed")


# IPv6 prefixes that carry an IPv4 address in their last 32 bits, which a NAT64 gateway
# reaches (RFC 6052's well-known prefix and RFC 8215's local-use one).
NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether `address` is on the public internet: global, and for IPv6 so is any IPv4
    address it embeds (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, 6to4, NAT64), since
    `64:ff9b::10.0.0.1` is 10.0.0.1 once through a gateway."""
    if not address.is_global:
        return False
    if address.version == 4:
        return True
    last32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    embedded = [address.ipv4_mapped, address.sixtofour]
    if int(address) >> 32 == 0 or any(address in prefix for prefix in NAT64_PREFIXES):
        embedded.append(last32)
    return all(v4.is_global for v4 in embedded if v4 is not None)


def vetted_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, from one look-up, for a connection to use: refused
    (PrivateAddressError) if any is loopback, private, link-local or otherwise non-public,
    unless CLAIMDESK_FETCH_ALLOW_PRIVATE is set — a URL typed by a user must not reach the
    servers behind ours."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except OSError:
        raise httpcore.ConnectError(f"cannot resolve host {host}") from None
    addresses = []
    for family, _, _, _, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not settings.CLAIMDESK_FETCH_ALLOW_PRIVATE and not is_public_address(address):
            raise PrivateAddressError(host, address)
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise httpcore.ConnectError(f"cannot resolve host {host}")
    return addresses


class PinnedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting to the addresses vetted from one look-up of the
    host instead of looking it up again. httpcore still names the host in the `Host` header
    and in TLS (SNI and certificate checks), from the URL: only the socket's address is
    pinned."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        failure = None
        for address in vetted_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc  # the next address, as socket.create_connection does
        raise failure


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool on PinnedBackend. (httpx uses no proxy from
    the environment with a transport of one's own; a proxy would resolve the host itself.)"""

    def __init__(self):
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=PinnedBackend()
        )


class Deadline:
    """The whole time budget of one fetch. httpx's timeouts apply to each connect and each
    read, so a server sending a byte now and then would hold a worker indefinitely: instead,
    every request (the first and each redirect) and every read of the body is given only the
    time left, which httpcore reads from the request's `timeout` extension at each step."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.timeouts: dict[str, float] = {}

    def refresh(self) -> None:
        """Give the next network operation the time left; TimeoutException once it is out."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise httpx.TimeoutException(f"the {self.seconds}-second deadline passed")
        self.timeouts.update(connect=left, read=left, write=left, pool=left)

    def limit(self, request: httpx.Request) -> None:
        """A request hook: the request's timeouts are the deadline's, kept up to date."""
        self.refresh()
        request.extensions["timeout"] = self.timeouts


@dataclass(frozen=True)
class Fetched:
    """What one guarded fetch read: the body, the address it ended at, the redirects
    followed on the way and the declared content type."""

    body: bytes
    url: str
    redirects: list[str]
    content_type: str


def fetch(url: str, *, accept: str, content_types: tuple[str, ...] | None = None) -> Fetched:
    """GET `url` (following redirects) within CLAIMDESK_FETCH_TIMEOUT seconds in all (connect,
    redirects and body) and CLAIMDESK_FETCH_MAX_BYTES, connecting only to vetted public
    addresses; refused (IngestError, in plain words) on an HTTP error, a content type not
    among `content_types` (any, when None), a deadline or size passed, or a non-public
    address."""
    limit = size_limit()
    timeout = settings.CLAIMDESK_FETCH_TIMEOUT
    deadline = Deadline(timeout)
    client = httpx.Client(
        follow_redirects=True,
        max_redirects=10,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": accept},
        # Every connection, redirects' included, to an address vetted from one look-up.
        transport=PinnedTransport(),
        event_hooks={"request": [deadline.limit]},
    )
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise IngestError(url, f"the server answered HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "")
            if content_types is not None and not content_type.lower().startswith(content_types):
                raise IngestError(
                    url, f"not an HTML page (Content-Type: {content_type or 'none given'})"
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise IngestError(url, too_large("the page"))
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise IngestError(url, too_large("the page"))
                chunks.append(chunk)
                deadline.refresh()
            final_url = str(response.url)
            redirects = [str(r.url) for r in response.history]
    except httpx.TimeoutException:
        raise IngestError(
            url, f"no answer within {timeout} seconds (the whole fetch's time limit)"
        ) from None
    except httpx.TooManyRedirects:
        raise IngestError(url, "too many redirects") from None
    except PrivateAddressError as exc:
        raise IngestError(url, str(exc)) from None
    except httpx.HTTPError as exc:
        raise IngestError(url, f"could not fetch it: {exc or type(exc).__name__}") from None
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        # The address given, or one a redirect names, is not one (idna's errors are these).
        raise IngestError(url, f"not a valid web address: {exc}") from None
    finally:
        client.close()
    return Fetched(b"".join(chunks), final_url, redirects, content_type)


def fetch_url(url: str) -> Document:
    """Fetch an HTML page (following redirects, which are recorded) and extract its article,
    within CLAIMDESK_FETCH_TIMEOUT seconds in all (connect, redirects and body) and
    CLAIMDESK_FETCH_MAX_BYTES."""
    fetched = fetch(url, accept="text/html,application/xhtml+xml", content_types=HTML_CONTENT_TYPES)
    document = parse_html(
        fetched.body,
        item=url,
        url=fetched.url,
        origin=Capture.Origin.URL,
        content_type=fetched.content_type,
    )
    document.origin_location = url
    document.redirects = fetched.redirects
    return document
