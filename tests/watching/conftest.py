"""A loopback news site for the watching tests: feeds (RSS, Atom) and article pages served on
127.0.0.1, which the fetcher may reach only with private addresses allowed."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import pytest

from tests.archive.conftest import html_page


def rss(items: list[tuple[str, str, str]], *, title: str = "Le Journal") -> str:
    """An RSS 2.0 feed of (guid, link, title) items, newest first."""
    entries = "".join(
        f"<item><guid>{escape(guid)}</guid><link>{escape(link)}</link>"
        f"<title>{escape(headline)}</title></item>"
        for guid, link, headline in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link>"
        f"<description>News</description>{entries}</channel></rss>"
    )


def atom(items: list[tuple[str, str, str]], *, title: str = "Le Journal") -> str:
    """An Atom 1.0 feed of (id, link, title) entries, newest first."""
    entries = "".join(
        f'<entry><id>{escape(guid)}</id><link rel="alternate" href="{escape(link)}"/>'
        f"<title>{escape(headline)}</title><updated>2026-12-07T10:00:00Z</updated></entry>"
        for guid, link, headline in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:le-journal</id>"
        f"<updated>2026-12-07T10:00:00Z</updated>{entries}</feed>"
    )


def story(title: str, text: str) -> str:
    return html_page(title, text)


class NewsSite:
    """What the server answers: path → (status, content type, body); `hits` counts requests."""

    def __init__(self):
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.hits: dict[str, int] = {}
        self.base = ""

    def serve(self, path: str, body: str, *, content_type="text/html; charset=utf-8", status=200):
        self.routes[path] = (status, content_type, body.encode())
        return self.base + path

    def url(self, path: str) -> str:
        return self.base + path


def start_site():
    """A NewsSite on a free port of 127.0.0.1, its server and thread (to shut down)."""
    site = NewsSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            site.hits[self.path] = site.hits.get(self.path, 0) + 1
            status, content_type, body = site.routes.get(
                self.path, (404, "text/plain", b"not found")
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return site, server, thread


@pytest.fixture
def news(settings):
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    site, server, thread = start_site()
    yield site
    server.shutdown()
    server.server_close()
    thread.join()


def wait_until(condition, timeout: float = 60, step: float = 0.2) -> bool:
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(step)
    return False
