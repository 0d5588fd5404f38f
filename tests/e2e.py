"""What the end-to-end tests share: a loopback news site whose feeds and pages change, an SMTP
sink (aiosmtpd), a webhook receiver, and real `manage.py worker` processes on the test's
PostgreSQL database — with waits bounded by a deadline that say what did not arrive.

The servers listen on 127.0.0.1, which the fetch guard refuses unless private addresses are
allowed: the fixtures allow them in the test process (settings) and `start_workers` in the
workers (environment). Every transactional test uses `E2E_DB`: a flush would erase the role
groups a data migration made, and a test without serialized_rollback after one with it finds
them gone (or one with it after one without finds the content types already there)."""

import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.db import connection

from tests.archive.conftest import html_page

ROOT = Path(__file__).resolve().parents[1]

# The database marker of every test that has workers share its database.
E2E_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Jobs wait in the database for the workers, in the test process as in theirs.
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


# Worker processes share the test's database, so they need PostgreSQL (an in-memory SQLite
# database is the test process's alone). Decided when the tests are collected, before the
# database is set up for them.
POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="worker processes share the test's database: PostgreSQL (DATABASE_URL)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _shut(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


# The news site


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
        self.server: ThreadingHTTPServer | None = None

    def serve(self, path: str, body: str, *, content_type="text/html; charset=utf-8", status=200):
        self.routes[path] = (status, content_type, body.encode())
        return self.base + path

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> "NewsSite":
        site = self

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

        self.server = _serve(Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        return self

    def stop(self) -> None:
        _shut(self.server)


@pytest.fixture
def news(settings):
    """A news site on loopback, which the fetcher may reach in this test."""
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    site = NewsSite().start()
    yield site
    site.stop()


# The SMTP sink


class Sink:
    """Keeps every message it is given."""

    def __init__(self):
        self.messages = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"

    def received(self, address: str) -> list[email.message.EmailMessage]:
        """The messages sent to `address`, parsed."""
        return [
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            for envelope in list(self.messages)
            if address in envelope.rcpt_tos
        ]


@pytest.fixture
def smtp_sink(settings):
    """An aiosmtpd sink on a free port, the mailer of this test (and of `start_workers`'s
    workers when given it)."""
    from aiosmtpd.controller import Controller

    sink = Sink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 10},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "Claimdesk <desk@example.org>"
    yield sink
    controller.stop()


# The webhook receiver


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    status: int  # what the receiver answered


@dataclass
class Receiver:
    """Answers each POST with the next status of its script (then 200), and keeps what it
    received."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.received.append(Received(self.path, dict(self.headers), body, status))
                answer = b"ok" if status < 300 else b"down for maintenance " * 100
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = _serve(Handler)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/claimdesk"

    def stop(self) -> None:
        _shut(self.server)


@pytest.fixture
def receiver(settings):
    """A receiver on loopback, which the private-address guard allows in this test only."""
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


# Workers


def database_url() -> str:
    """The test database, for the workers."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@dataclass
class Workers:
    """`manage.py worker` processes, each logging to its own file."""

    processes: list[subprocess.Popen]
    logs: list[Path]

    def logged(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()}" for log in self.logs)

    def check_alive(self) -> None:
        dead = [p.args[-1] for p in self.processes if p.poll() is not None]
        assert not dead, f"worker(s) {dead} exited early:\n{self.logged()}"

    def stop(self) -> None:
        """SIGINT each (a clean stop), then wait; kill what does not stop within 20 s."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_workers(
    count: int,
    log_dir: Path,
    *,
    name: str = "e2e",
    smtp: Sink | None = None,
    environment: dict[str, str] | None = None,
) -> Workers:
    """`count` workers on the test database, jobs in the database, loopback allowed, the
    schedule ticking every half second; mail through `smtp` if given. `environment` adds to
    or overrides that."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CLAIMDESK_TASK_BACKEND": "database",
        "CLAIMDESK_FETCH_ALLOW_PRIVATE": "1",
        "CLAIMDESK_SCHEDULE_INTERVAL": "0.5",
    }
    if smtp is not None:
        env |= {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "10",
            "DEFAULT_FROM_EMAIL": "Claimdesk <desk@example.org>",
        }
    env |= environment or {}
    command = [sys.executable, "manage.py", "worker", "--interval", "0.2"]
    processes, logs = [], []
    for n in range(count):
        log = log_dir / f"{name}-{n}.log"
        processes.append(
            subprocess.Popen(
                [*command, "--worker-id", f"{name}-{n}"],
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
                # Its own SIGINT handler, whatever the shell that started the suite ignores.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
        )
        logs.append(log)
    return Workers(processes, logs)


@pytest.fixture
def workers(tmp_path):
    """Start workers with `workers(count, **options)`; they are stopped at the end of the
    test, whatever happens."""
    started: list[Workers] = []

    def start(count: int = 2, **options) -> Workers:
        started.append(start_workers(count, tmp_path, **options))
        return started[-1]

    yield start
    for group in started:
        group.stop()


def wait_until(condition: Callable[[], object], timeout: float = 60, step: float = 0.2) -> bool:
    """Whether `condition()` became true within `timeout` seconds."""
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(step)
    return False


def wait_for(
    what: str,
    condition: Callable[[], object],
    *,
    timeout: float = 30,
    workers: Workers | None = None,
    step: float = 0.2,
):
    """`condition()`'s first true value within `timeout` seconds; else the test fails naming
    `what` did not arrive (with the workers' logs). Fails at once if a worker died."""
    ends = time.monotonic() + timeout
    while True:
        if workers is not None:
            workers.check_alive()
        value = condition()
        if value:
            return value
        if time.monotonic() >= ends:
            logs = f"\nworkers' logs:\n{workers.logged()}" if workers is not None else ""
            pytest.fail(f"{what} did not arrive within {timeout:g} s{logs}")
        time.sleep(step)
