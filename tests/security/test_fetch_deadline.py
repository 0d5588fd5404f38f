"""Regression: CLAIMDESK_FETCH_TIMEOUT bounds a whole fetch — connect, redirects and body —
not each read, so a server sending a byte now and then cannot hold a worker (issue 10,
defect 5)."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from archive.ingest.documents import IngestError
from archive.ingest.fetch import fetch_url

BODY = b"<!doctype html><html><head><title>Slow</title></head><body><p>Slowly.</p></body></html>"


@pytest.fixture
def dripping_server(settings):
    """A server on 127.0.0.1 that answers at once, then sends its body a byte every 0.3 s
    (about 25 s for the whole page); /hop redirects to it."""
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/hop":
                self.send_response(302)
                self.send_header("Location", "/drip")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for byte in BODY:
                    if stop.wait(0.3):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("path", ["/drip", "/hop"])
def test_a_server_sending_a_byte_at_a_time_is_cut_off_at_the_deadline(
    settings, dripping_server, path
):
    settings.CLAIMDESK_FETCH_TIMEOUT = 1.5
    began = time.monotonic()
    with pytest.raises(IngestError, match=r"no answer within 1\.5 seconds"):
        fetch_url(dripping_server + path)
    # Each read comes well within the per-read timeout; only the total budget stops it.
    assert time.monotonic() - began < 4
