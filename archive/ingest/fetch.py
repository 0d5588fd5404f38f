"""Fetching a live URL as a `Document`, within the configured timeout and size limit, and
never from a non-public address (the guard runs on the first request and every redirect)."""

import ipaddress
import socket

import httpx
from django.conf import settings

from ..models import Capture
from .documents import Document, IngestError
from .readers import HTML_CONTENT_TYPES, parse_html

USER_AGENT = "Claimdesk/0.1 (news archive)"


def refuse_private_addresses(request: httpx.Request) -> None:
    """Refuse a request (the first or a redirect) whose host resolves to a loopback, private,
    link-local or otherwise non-public address, unless CLAIMDESK_FETCH_ALLOW_PRIVATE is set:
    a URL typed by a user must not reach the servers behind ours."""
    if settings.CLAIMDESK_FETCH_ALLOW_PRIVATE:
        return
    host = request.url.host
    try:
        infos = socket.getaddrinfo(host, request.url.port or 80, proto=socket.IPPROTO_TCP)
    except OSError:
        raise httpx.ConnectError(f"cannot resolve host {host}", request=request) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise PrivateAddressError(str(request.url), host, address)


class PrivateAddressError(httpx.HTTPError):
    def __init__(self, url: str, host: str, address: ipaddress._BaseAddress):
        super().__init__(f"{host} is a non-public address ({address}); fetching it is not allowed")


def fetch_url(url: str, *, client: httpx.Client | None = None) -> Document:
    """Fetch an HTML page (following redirects, which are recorded), within the configured
    timeout and size limit, and extract its article."""
    limit = settings.CLAIMDESK_FETCH_MAX_BYTES
    timeout = settings.CLAIMDESK_FETCH_TIMEOUT
    own_client = client is None
    client = client or httpx.Client(
        follow_redirects=True,
        max_redirects=10,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"},
        event_hooks={"request": [refuse_private_addresses]},
    )
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise IngestError(url, f"the server answered HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "")
            if not content_type.lower().startswith(HTML_CONTENT_TYPES):
                raise IngestError(
                    url, f"not an HTML page (Content-Type: {content_type or 'none given'})"
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise IngestError(url, f"the page is larger than the {limit:,}-byte limit")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise IngestError(url, f"the page is larger than the {limit:,}-byte limit")
                chunks.append(chunk)
            final_url = str(response.url)
            redirects = [str(r.url) for r in response.history]
    except httpx.TimeoutException:
        raise IngestError(url, f"no answer within {timeout} seconds") from None
    except httpx.TooManyRedirects:
        raise IngestError(url, "too many redirects") from None
    except PrivateAddressError as exc:
        raise IngestError(url, str(exc)) from None
    except httpx.HTTPError as exc:
        raise IngestError(url, f"could not fetch it: {exc or type(exc).__name__}") from None
    finally:
        if own_client:
            client.close()
    document = parse_html(
        b"".join(chunks),
        item=url,
        url=final_url,
        origin=Capture.Origin.URL,
        content_type=content_type,
    )
    document.origin_location = url
    document.redirects = redirects
    return document
