"""Fixtures the archive tests make themselves: HTML pages, WARC files written with warcio, and
a local HTTP server on 127.0.0.1."""

import contextlib
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.factories import CAPTURE_TEXT


def html_page(
    title: str = "Le Kirghizistan annule ses exercices",
    text: str = CAPTURE_TEXT,
    *,
    author: str = "Jeanne Martin",
    date: str = "2022-10-11T09:30:00+00:00",
    lang: str = "fr",
) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n") if p)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="author" content="{author}">'
        f'<meta property="article:published_time" content="{date}"></head>'
        f'<body><nav><a href="/">Accueil</a> · <a href="/monde">Monde</a></nav>'
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>© Le Journal, tous droits réservés</footer></body></html>"
    )


def write_warc(path, records, *, gzip=True):
    """records: (uri, body bytes, content type, status) tuples, written as response records
    with their request records, as a crawler would."""
    with open(path, "wb") as output:
        writer = WARCWriter(output, gzip=gzip)
        for uri, body, content_type, status in records:
            http_headers = StatusAndHeaders(
                status, [("Content-Type", content_type)], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    uri, "response", payload=io.BytesIO(body), http_headers=http_headers
                )
            )
    return path


class Site:
    """What the test server answers: path → (status, headers, body)."""

    def __init__(self):
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.delays: dict[str, float] = {}
        self.base = ""

    def page(
        self, path: str, body: str | bytes, *, status=200, content_type="text/html; charset=utf-8"
    ):
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, {"Content-Type": content_type}, data)
        return self.base + path

    def redirect(self, path: str, to: str, status=301):
        self.routes[path] = (status, {"Location": to}, b"")
        return self.base + path


@pytest.fixture
def site(settings):
    """A web server on 127.0.0.1, which the fetcher may reach only when private addresses
    are allowed."""
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(site.delays.get(self.path, 0))
            status, headers, body = site.routes.get(
                self.path, (404, {"Content-Type": "text/plain"}, b"not found")
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client may have given up already (timeout tests).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
    thread.join()
