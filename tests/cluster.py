"""The cluster test (`make cluster-test`, `python -m tests.cluster`): Claimdesk on several
machines, played on this one with real parts — a PostgreSQL 15 primary and a streaming
replica made with pg_basebackup, a Redis server, two gunicorn app servers and two workers —
then checked from outside, over HTTP and SQL, with each check's figures printed.

Everything runs under one temporary folder, on free ports, and is stopped by PID at the end,
on failure and on Ctrl-C or SIGTERM too. Not part of the pytest suite: CI runs it after the
two suites. Exits non-zero when a check fails.
"""

import argparse
import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("CLAIMDESK_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "claimdesk"
# The anonymous API rate the app servers run with: small, so the shared count is quick to test.
ANON_LIMIT = 20
# How long a check waits for the replica, a server or a job before it fails.
PATIENCE = 60.0
# PostgreSQL flushes an idle backend's table statistics within 10 seconds.
STATS_FLUSH_SECONDS = 11


class CheckFailed(Exception):
    """A check found the cluster not doing what it must."""


def say(message: str = "") -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, ready: Callable[[], object], timeout: float = PATIENCE, every: float = 0.2):
    """Poll `ready` every `every` seconds until it returns something true; fail naming `what`
    after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = ready()
        except (OSError, psycopg.OperationalError, httpx.HTTPError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    # The signal that shuts it down cleanly (PostgreSQL: SIGINT is a fast shutdown).
    stop_signal: int = signal.SIGTERM


@dataclass
class Cluster:
    """The processes of the cluster, each in a session of its own so that it is stopped by
    its PID (and its group: gunicorn's and PostgreSQL's children) and by nothing broader."""

    root: Path
    keep: bool = False
    processes: list[Process] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    stopped: bool = False

    # Starting and stopping

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict | None = None,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> Process:
        # A process running as another user starts in the cluster's folder, which it can reach.
        log = self.root / "logs" / f"{name}.log"
        log.parent.mkdir(exist_ok=True)
        with log.open("ab") as output:
            popen = subprocess.Popen(
                argv,
                cwd=self.root if user else ROOT,
                env=env,
                user=user,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, popen, log, stop_signal)
        self.processes.append(process)
        return process

    def stop_process(self, process: Process, *, timeout: float = 20) -> None:
        popen = process.popen
        if popen.poll() is None:
            try:
                os.kill(popen.pid, process.stop_signal)
                popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
        # Whatever is left of its group (a worker process of gunicorn, a PostgreSQL backend).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(popen.pid, signal.SIGKILL)
        if popen.poll() is None:
            popen.wait(timeout=10)
        if process in self.processes:
            self.processes.remove(process)

    def stop(self) -> None:
        """Stop every process this cluster started, newest first; then remove its folder."""
        if self.stopped:
            return
        self.stopped = True
        started, count = time.monotonic(), len(self.processes)
        for process in reversed(list(self.processes)):
            began = time.monotonic()
            self.stop_process(process)
            say(
                f"   stopped {process.name} (pid {process.popen.pid}) "
                f"in {time.monotonic() - began:.1f} s"
            )
        say(f"-- stopped {count} processes in {time.monotonic() - started:.1f} s")
        if self.keep:
            say(f"(kept {self.root})")
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def show_logs(self, lines: int = 30) -> None:
        for log in sorted((self.root / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            if tail:
                say(f"--- {log.name} (last {len(tail)} lines)")
                say("\n".join(tail))

    # PostgreSQL

    def run_as_postgres(self, *argv: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.root,
        )

    def pg_url(self, name: str, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports[name]}/{database}"

    def sql(
        self, name: str, query: str, params: tuple = (), *, database: str = DATABASE
    ) -> list[tuple]:
        url = self.pg_url(name, database)
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def start_postgres(self, name: str, data: Path) -> None:
        self.start(
            name,
            [str(PG_BIN / "postgres"), "-D", str(data)],
            user="postgres",
            stop_signal=signal.SIGINT,
        )
        wait_for(
            f"{name} to accept connections",
            lambda: self.sql(name, "SELECT 1", database="postgres"),
        )

    def start_primary_and_replica(self) -> None:
        pg_root = self.root / "postgresql"
        pg_root.mkdir()
        shutil.chown(pg_root, "postgres", "postgres")
        primary, replica = pg_root / "primary", pg_root / "replica"
        self.ports["primary"], self.ports["replica"] = free_port(), free_port()
        self.run_as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(primary),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.ports['primary']}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{pg_root}'\n"
                "wal_level = replica\n"
                "max_wal_senders = 4\n"
                "hot_standby = on\n"
                "max_connections = 100\n"
                # A test cluster: durability is not under test, speed is welcome.
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
            )
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self.start_postgres("primary", primary)
        self.sql("primary", f"CREATE DATABASE {DATABASE}", database="postgres")
        # The replica: a base backup of the primary that streams its WAL (-R writes
        # primary_conninfo and standby.signal).
        self.run_as_postgres(
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.ports["primary"]),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        with (replica / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.ports['replica']}\n")
        self.start_postgres("replica", replica)
        in_recovery = self.sql("replica", "SELECT pg_is_in_recovery()")[0][0]
        if not in_recovery:
            raise CheckFailed("the replica is not a standby")

    def replica_caught_up(self) -> bool:
        # The insert position, not pg_current_wal_lsn() (what is written so far): with
        # synchronous_commit off, a commit that has returned may still sit in the WAL
        # buffers, behind the write position, until the WAL writer's next round.
        (target,) = self.sql("primary", "SELECT pg_current_wal_insert_lsn()")[0]
        return wait_for(
            "the replica to replay the primary's WAL",
            lambda: self.sql("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[
                0
            ][0],
        )

    # Redis, the app servers and the workers

    def start_redis(self) -> None:
        self.ports["redis"] = free_port()
        redis_dir = self.root / "redis"
        redis_dir.mkdir()
        self.start(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.ports["redis"]),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(redis_dir),
            ],
        )
        wait_for(
            "redis-server",
            lambda: (
                socket.create_connection(("127.0.0.1", self.ports["redis"]), 0.2).close() or True
            ),
        )

    def app_env(self, **extra: str) -> dict:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DJANGO_", "DATABASE_", "CLAIMDESK_", "REDIS_"))
        }
        env.update(
            {
                "DJANGO_SECRET_KEY": "cluster-test-" + uuid.uuid4().hex * 2,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Plain http between the test and the app servers (no TLS-terminating proxy).
                "DJANGO_SECURE_SSL_REDIRECT": "0",
                "DJANGO_LOG_LEVEL": "WARNING",
                "DJANGO_MEDIA_ROOT": str(self.root / "media"),
                "DATABASE_URL": self.pg_url("primary"),
                "DATABASE_REPLICA_URL": self.pg_url("replica"),
                "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
                # The test stands for a load balancer that appends the client's address.
                "CLAIMDESK_TRUSTED_PROXIES": "1",
                "CLAIMDESK_API_ANON_RATE": f"{ANON_LIMIT}/minute",
                "CLAIMDESK_API_USER_RATE": "100000/minute",
                # Uploads wait here for a worker: one folder every app server and worker sees.
                "CLAIMDESK_IMPORT_DIR": str(self.root / "imports"),
                # A job whose worker stops reporting is taken back after a few seconds.
                "CLAIMDESK_JOB_STALE_AFTER": "5",
                # Imports stored a few files per transaction, so that a worker can be killed
                # in the middle of one (a job of 20 files is otherwise one batch).
                "CLAIMDESK_IMPORT_BATCH": "2",
                "CLAIMDESK_JOB_CHECK_INTERVAL": "1",
                # The watches check serves its news site on loopback; workers tick every second.
                "CLAIMDESK_FETCH_ALLOW_PRIVATE": "1",
                "CLAIMDESK_SCHEDULE_INTERVAL": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra)
        return env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.app_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CheckFailed(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def start_app_servers(self) -> None:
        # Server "a" uses psycopg's connection pool, server "b" persistent connections and no
        # server-side cursors (as behind PgBouncer in transaction mode): both must hold.
        variants = {
            "a": {
                "DATABASE_POOL": "1",
                "DATABASE_POOL_MIN_SIZE": "1",
                "DATABASE_POOL_MAX_SIZE": "4",
            },
            "b": {"DISABLE_SERVER_SIDE_CURSORS": "1"},
        }
        for name, extra in variants.items():
            port = self.ports[f"app-{name}"] = free_port()
            self.start(
                f"app-{name}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "60",
                    # A second gunicorn on one machine cannot share the control socket.
                    "--no-control-socket",
                ],
                env=self.app_env(**extra),
                # SIGINT: gunicorn's quick shutdown (SIGTERM waits for its workers' requests).
                stop_signal=signal.SIGINT,
            )
        for name in variants:
            base = self.app_url(name)
            wait_for(f"app server {name}", lambda base=base: httpx.get(f"{base}/api/tags/"))

    def app_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[f'app-{name}']}"

    def start_worker(self, name: str) -> Process:
        return self.start(
            name,
            [sys.executable, "manage.py", "worker", "--worker-id", name],
            env=self.app_env(),
            # Workers are the processes the test kills; SIGTERM lets a worker finish its job.
            stop_signal=signal.SIGINT,
        )

    def worker(self, name: str) -> Process:
        return next(process for process in self.processes if process.name == name)


# The people and data the checks use


@dataclass
class World:
    claim: int
    claim_text: str
    draft: int
    draft_version: int
    tokens: dict[str, str]


SETUP_CODE = """
import json
from django.contrib.auth.models import User
from accounts.models import APIToken
from accounts.roles import grant
from annotations.models import Claim
from annotations import services

claim = Claim.objects.get()
journalist = User.objects.create_user("jules_journalist")
grant(journalist, "journalists")
editor = User.objects.create_user("edith_editor")
grant(editor, "editors")
reader = User.objects.create_user("rosa_reader")
draft = services.create_annotation(
    user=journalist, claim=claim, confidence=0.5, rationale="First look."
)
tokens = {
    "journalist": APIToken.issue(user=journalist, name="cluster")[1],
    "editor": APIToken.issue(user=editor, name="cluster")[1],
    "reader": APIToken.issue(user=reader, name="cluster", read_only=True)[1],
}
print(json.dumps({"claim": claim.pk, "claim_text": claim.text, "draft": draft.pk,
                  "draft_version": draft.version, "tokens": tokens}))
"""


class Client:
    """HTTP to the app servers as one client: a token, or anonymous from an address of its
    own (the load balancer's X-Forwarded-For), so each check has its own throttle count."""

    def __init__(self, cluster: Cluster, *, token: str | None = None, address: str = ""):
        self.cluster = cluster
        self.headers = {"X-Forwarded-For": address or fresh_address()}
        if token:
            self.headers["Authorization"] = f"Token {token}"
        self.http = httpx.Client(timeout=30)

    def request(self, method: str, server: str, path: str, **kwargs) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        url = self.cluster.app_url(server) + path
        return self.http.request(method, url, headers=headers, **kwargs)

    def get(self, server: str, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", server, path, **kwargs)

    def every_page(self, url: str) -> list[dict]:
        """The results of a paged list, following its `next` links from `url` (absolute)."""
        results = []
        while url:
            page = self.http.get(url, headers=self.headers).json()
            results += page["results"]
            url = page["next"]
        return results


_addresses = iter(range(1, 1_000_000))


def fresh_address() -> str:
    n = next(_addresses)
    return f"198.51.{100 + n // 250}.{1 + n % 250}"


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


# The checks


def check_throttle(cluster: Cluster, world: World) -> None:
    """Over twice the anonymous limit from one client, split between both app servers: one
    after another, then all at once (8 at a time, as a load balancer spreads a burst)."""
    requests = 2 * ANON_LIMIT + 10
    for label, address, parallel in (
        ("one after another", "203.0.113.10", 1),
        ("8 at a time", "203.0.113.11", 8),
    ):
        client = Client(cluster, address=address)

        def get(n: int, client=client) -> tuple[str, int]:
            server = "ab"[n % 2]
            return server, client.get(server, "/api/tags/").status_code

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            answers = list(pool.map(get, range(requests)))
        allowed = {server: 0 for server in "ab"}
        refused = 0
        for server, status in answers:
            if status == 200:
                allowed[server] += 1
            elif status == 429:
                refused += 1
            else:
                raise CheckFailed(f"an anonymous request answered {status}")
        total = sum(allowed.values())
        say(
            f"   {requests} anonymous requests from one client, {label}, split between the "
            f"servers; limit {ANON_LIMIT}/minute: {total} allowed (a {allowed['a']}, "
            f"b {allowed['b']}), {refused} refused with 429"
        )
        expect(total <= ANON_LIMIT + 1, f"{total} allowed: the count is not shared")
        expect(total >= ANON_LIMIT, f"only {total} allowed of a limit of {ANON_LIMIT}")


def check_read_your_writes(cluster: Cluster, world: World) -> None:
    """With the replica's replay paused, writers read their edits; the public does not yet."""
    journalist = Client(cluster, token=world.tokens["journalist"])
    editor = Client(cluster, token=world.tokens["editor"])
    anonymous = Client(cluster)
    cluster.replica_caught_up()
    cluster.sql("replica", "SELECT pg_wal_replay_pause()")
    try:
        wait_for(
            "replay to pause",
            lambda: (
                cluster.sql("replica", "SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused"
            ),
        )
        say("   replica: WAL replay paused")
        # A journalist's edit of their draft annotation (server a), read back (server b).
        rationale = f"Checked with the ministry ({uuid.uuid4().hex[:8]})."
        edited = journalist.request(
            "PATCH",
            "a",
            f"/api/annotations/{world.draft}/",
            json={"rationale": rationale, "version": world.draft_version},
        )
        expect(edited.status_code == 200, f"journalist's edit: {edited.status_code} {edited.text}")
        read_back = journalist.get("b", f"/api/annotations/{world.draft}/").json()["rationale"]
        (on_replica,) = cluster.sql(
            "replica",
            "SELECT rationale FROM annotations_annotation WHERE id = %s",
            (world.draft,),
        )[0]
        say(f"   journalist's next read (server b): {read_back!r}")
        say(f"   the same annotation on the replica:  {on_replica!r}")
        expect(read_back == rationale, "the journalist does not see their own edit")
        expect(on_replica != rationale, "the replica is not lagging: the check proves nothing")

        # An editor's new wording of the published claim: public, so anonymous readers can
        # be compared.
        wording = f"{world.claim_text} [{uuid.uuid4().hex[:8]}]"
        changed = editor.request(
            "PATCH",
            "b",
            f"/api/claims/{world.claim}/",
            json={"text": wording, "reason": "Cluster test: read-your-writes."},
        )
        expect(changed.status_code == 200, f"editor's edit: {changed.status_code} {changed.text}")
        mark = changed.cookies.get("claimdesk_primary_reads")
        editor_reads = editor.get("a", f"/api/claims/{world.claim}/").json()["text"]
        public_reads = anonymous.get("a", f"/api/claims/{world.claim}/").json()["text"]
        # The same browser without its credentials still carries the write's mark.
        marked = Client(cluster).get(
            "b",
            f"/api/claims/{world.claim}/",
            headers={"Cookie": f"claimdesk_primary_reads={mark}"},
        )
        exported = anonymous.get("b", "/api/claims/export.jsonl").text
        say(f"   editor's next read (server a):    {editor_reads!r}")
        say(f"   anonymous read (replica, lagging): {public_reads!r}")
        say(f"   anonymous read with the editor's read-your-writes mark: {marked.json()['text']!r}")
        say(
            "   anonymous JSON Lines export (replica, lagging) has the new wording: "
            f"{wording in exported}"
        )
        expect(editor_reads == wording, "the editor does not see their own edit")
        expect(
            world.claim_text in exported and wording not in exported,
            "the anonymous export did not come from the replica",
        )
        expect(public_reads == world.claim_text, "an anonymous read did not come from the replica")
        expect(mark is not None, "the editor's write set no read-your-writes mark")
        expect(marked.json()["text"] == wording, "the read-your-writes mark was not honoured")
    finally:
        cluster.sql("replica", "SELECT pg_wal_replay_resume()")
    cluster.replica_caught_up()
    caught_up = anonymous.get("b", f"/api/claims/{world.claim}/").json()["text"]
    say(f"   replay resumed; anonymous read once caught up: {caught_up!r}")
    expect(caught_up == wording, "the replica did not catch up with the editor's change")
    world.claim_text = wording


def claim_scans(cluster: Cluster, server: str) -> int:
    """Scans of the published read model, which anonymous lists read and the workers' periodic
    work (watches, re-capture enrolment over the claims) does not."""
    rows = cluster.sql(
        server,
        "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
        "WHERE relname = 'annotations_publishedclaim'",
    )
    return rows[0][0] if rows else 0


def check_replica_serves_anonymous_reads(cluster: Cluster, world: World) -> None:
    """Anonymous reads are counted on the replica, not on the primary, and match the primary."""
    cluster.replica_caught_up()
    # Let earlier requests' statistics reach the counters before counting.
    time.sleep(STATS_FLUSH_SECONDS)
    before = {server: claim_scans(cluster, server) for server in ("primary", "replica")}
    reads = 20
    for n in range(reads):
        response = Client(cluster).get("ab"[n % 2], "/api/claims/?page_size=100")
        expect(response.status_code == 200, f"anonymous list: {response.status_code}")
    time.sleep(STATS_FLUSH_SECONDS)
    after = {server: claim_scans(cluster, server) for server in ("primary", "replica")}
    grown = {server: after[server] - before[server] for server in after}
    say(
        f"   {reads} anonymous claim lists, split over both servers: scans of the published "
        f"claims on the replica +{grown['replica']}, on the primary +{grown['primary']}"
    )
    expect(grown["replica"] >= reads, "the replica did not serve the anonymous reads")
    expect(grown["primary"] == 0, "anonymous reads reached the primary")

    # Once caught up, what the replica serves is what the primary holds: the same anonymous
    # list read from the replica and, carrying a write's mark, from the primary.
    mark = Client(cluster, token=world.tokens["editor"]).request(
        "POST", "a", "/api/tokens/", json={"name": "mark"}
    )
    expect(mark.status_code == 201, f"creating a token: {mark.status_code} {mark.text}")
    cookie = {"Cookie": f"claimdesk_primary_reads={mark.cookies['claimdesk_primary_reads']}"}
    cluster.replica_caught_up()
    from_replica = Client(cluster).get("a", "/api/claims/?page_size=100")
    from_primary = Client(cluster).get("b", "/api/claims/?page_size=100", headers=cookie)
    export_replica = Client(cluster).get("b", "/api/claims/export.jsonl")
    export_primary = Client(cluster).get("a", "/api/claims/export.jsonl", headers=cookie)
    expect(export_replica.status_code == 200, f"export: {export_replica.status_code}")
    lines = export_replica.content.count(b"\n")
    same_export = export_replica.content == export_primary.content
    say(
        f"   JSON Lines export: {lines} claim(s) streamed from the replica, identical on the "
        f"primary: {same_export}"
    )
    expect(lines >= 1, "the export is empty")
    expect(same_export, "the exports differ")
    # The feed's cursor carries the moment it was issued; the changes themselves must match.
    feed_replica = Client(cluster).get("a", "/api/changes/")
    feed_primary = Client(cluster).get("b", "/api/changes/", headers=cookie)
    expect(feed_replica.status_code == 200, f"change feed: {feed_replica.status_code}")
    changes = feed_replica.json()["results"]
    same = changes == feed_primary.json()["results"]
    say(
        f"   change feed: {len(changes)} change(s) from the replica, "
        f"the same on the primary: {same}"
    )
    expect(len(changes) >= 1, "the change feed is empty")
    expect(same, "the change feeds differ")
    count = len(from_replica.json()["results"])
    say(
        f"   anonymous list of claims: {count} from the replica, identical on the primary: "
        f"{from_replica.content == from_primary.content}"
    )
    expect(count >= 1, "the anonymous list is empty")
    expect(from_replica.content == from_primary.content, "replica and primary differ")


IMPORT_FILES = 500
FILES_PER_IMPORT = 20  # the most files one import takes
IMPORT_TITLE = "Cluster import"


def import_files(folder: Path) -> list[Path]:
    """IMPORT_FILES text files (title, then text), each with content of its own."""
    folder.mkdir()
    paths = []
    for n in range(1, IMPORT_FILES + 1):
        path = folder / f"cluster-{n:03d}.txt"
        path.write_text(
            f"{IMPORT_TITLE} {n:03d}\n"
            f"The council of district {n} met on Tuesday and postponed the vote on the budget.\n"
            f"Officials in district {n} gave no reason for the delay, residents said.\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def article_id(value) -> int | None:
    return value.get("id") if isinstance(value, dict) else value


def check_imports_survive_a_killed_worker(cluster: Cluster, world: World) -> None:
    """IMPORT_FILES files through /api/imports/ on both servers while a worker is killed."""
    journalist = Client(cluster, token=world.tokens["journalist"])
    paths = import_files(cluster.root / "to-import")
    jobs: dict[int, list[str]] = {}
    started = time.monotonic()
    for n, first in enumerate(range(0, len(paths), FILES_PER_IMPORT)):
        batch = paths[first : first + FILES_PER_IMPORT]
        files = [("file", (path.name, path.read_bytes(), "text/plain")) for path in batch]
        response = journalist.request(
            "POST", "ab"[n % 2], "/api/imports/", files=files, data={"language": "en"}
        )
        expect(response.status_code == 202, f"import: {response.status_code} {response.text}")
        body = response.json()
        expect({"id", "status", "url"} <= set(body), f"import answer: {body}")
        jobs[body["id"]] = [path.name for path in batch]
    say(
        f"   {len(jobs)} imports of {FILES_PER_IMPORT} files posted alternately to both "
        f"servers in {time.monotonic() - started:.1f} s"
    )

    # Kill the first worker with kill -9 while it is in the middle of a job.
    def job_held_by_first_worker():
        rows = cluster.sql(
            "primary",
            "SELECT j.id, j.done, j.total FROM django_tasks_database_dbtaskresult t "
            # Only an import's task has a job id first: a language or analysis task's first
            # argument is a list of ids, which the cast would refuse.
            "JOIN archive_importjob j ON j.id = CASE "
            "WHEN jsonb_typeof(t.args_kwargs->'args'->0) = 'number' "
            "THEN (t.args_kwargs->'args'->>0)::bigint END "
            "WHERE t.status = 'RUNNING' AND t.worker_ids @> %s::jsonb "
            "AND j.status = 'running' AND j.done > 0 AND j.done < j.total - 2",
            (json.dumps(["worker-1"]),),
        )
        return rows[0] if rows else None

    victim = cluster.worker("worker-1")
    killed_job, done, total = wait_for(
        "worker-1 to be in the middle of a job", job_held_by_first_worker, every=0.05
    )
    os.kill(victim.popen.pid, signal.SIGKILL)
    victim.popen.wait(timeout=10)
    cluster.stop_process(victim)
    say(
        f"   kill -9 worker-1 (pid {victim.popen.pid}) during import {killed_job} "
        f"({done} of {total} items stored); worker-1 started again"
    )
    cluster.start_worker("worker-1")

    def all_finished():
        rows = cluster.sql(
            "primary",
            "SELECT count(*) FROM archive_importjob WHERE id = ANY(%s) "
            "AND status IN ('succeeded', 'failed')",
            (list(jobs),),
        )
        return rows[0][0] == len(jobs)

    wait_for("every import to finish", all_finished, timeout=180)
    say(f"   every import finished {time.monotonic() - started:.1f} s after the first was posted")

    # Every job's report, read through the API.
    reported: dict[str, int] = {}
    statuses = {}
    for n, (job, names) in enumerate(jobs.items()):
        report = journalist.get("ab"[n % 2], f"/api/imports/{job}/").json()
        statuses[report["status"]] = statuses.get(report["status"], 0) + 1
        expect(
            report["progress"] == {"done": len(names), "total": len(names)},
            f"import {job}: progress {report['progress']}",
        )
        items = journalist.every_page(report["items_url"] + "?page_size=100")
        expect(
            sorted(item["name"] for item in items) == sorted(names),
            f"import {job} reports other items than it was given",
        )
        for item in items:
            expect(item["outcome"] == "created", f"import {job}: {item}")
            reported[item["name"]] = article_id(item["article"])
    expect(statuses == {"succeeded": len(jobs)}, f"import statuses: {statuses}")

    # What the primary holds: each file once, as the article its report names.
    stored = cluster.sql(
        "primary",
        "SELECT a.id, a.title, count(c.id) FROM archive_article a "
        "LEFT JOIN archive_capture c ON c.article_id = a.id "
        "WHERE a.title LIKE %s GROUP BY a.id, a.title",
        (f"{IMPORT_TITLE} %",),
    )
    titles = [title for _, title, _ in stored]
    captures = sum(count for _, _, count in stored)
    (attempts,) = cluster.sql(
        "primary", "SELECT attempts FROM archive_importjob WHERE id = %s", (killed_job,)
    )[0]
    say(
        f"   on the primary: {len(stored)} articles ({len(set(titles))} distinct titles) with "
        f"{captures} captures for {IMPORT_FILES} files; {statuses.get('succeeded', 0)} of "
        f"{len(jobs)} imports succeeded; import {killed_job} ran {attempts} times"
    )
    expect(len(stored) == IMPORT_FILES, f"{len(stored)} articles stored, not {IMPORT_FILES}")
    expect(len(set(titles)) == IMPORT_FILES, "a file was stored twice")
    expect(captures == IMPORT_FILES, f"{captures} captures, not {IMPORT_FILES}")
    by_id = {pk: title for pk, title, _ in stored}
    for name, pk in reported.items():
        number = name.removeprefix("cluster-").removesuffix(".txt")
        expect(
            by_id.get(pk) == f"{IMPORT_TITLE} {number}",
            f"{name} is reported as article {pk}, which holds {by_id.get(pk)!r}",
        )
    expect(len(reported) == IMPORT_FILES, f"{len(reported)} files reported, not {IMPORT_FILES}")
    expect(attempts >= 2, f"import {killed_job} was not taken up again after the kill")


def news_site() -> tuple[dict[str, bytes], dict[str, int], ThreadingHTTPServer, str]:
    """A news site on a free loopback port: its pages by path (to change), the requests each
    path got, the server (to shut down) and its address."""
    pages: dict[str, bytes] = {}
    hits: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits[self.path] = hits.get(self.path, 0) + 1
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return pages, hits, server, f"http://127.0.0.1:{server.server_port}"


def check_watches(cluster: Cluster, world: World) -> None:
    """A feed watched through one app server: the two workers archive each of its items once
    between their jobs, and an item added later once "check now" is asked on the other."""
    pages, hits, server, base = news_site()

    def story(n: int) -> None:
        pages[f"/a/{n}"] = (
            f'<html lang="fr"><head><title>Article {n}</title></head><body><article>'
            f"<h1>Article {n}</h1><p>Le texte de l’article numéro {n} de la veille.</p>"
            f"<p>Un second paragraphe pour l’article {n}.</p></article></body></html>"
        ).encode()

    def feed(count: int) -> None:
        items = "".join(
            f"<item><guid>urn:cluster:{n}</guid><link>{base}/a/{n}</link>"
            f"<title>Article {n}</title></item>"
            for n in range(count, 0, -1)
        )
        pages["/feed.xml"] = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Veille</title>'
            f"<link>{base}/</link><description>x</description>{items}</channel></rss>"
        ).encode()

    def items_of(watch: int) -> int:
        query = "SELECT count(*) FROM watching_watchitem WHERE watch_id = %s"
        return cluster.sql("primary", query, (watch,))[0][0]

    try:
        story(1)
        story(2)
        feed(2)
        editor = Client(cluster, token=world.tokens["editor"])
        response = editor.request(
            "POST", "a", "/api/watches/", json={"url": f"{base}/feed.xml", "kind": "feed"}
        )
        expect(response.status_code == 201, f"POST /api/watches/: {response.status_code}")
        watch = response.json()["id"]
        wait_for("the workers to archive the feed's 2 items", lambda: items_of(watch) == 2)
        story(3)
        feed(3)
        response = editor.request("POST", "b", f"/api/watches/{watch}/check/")
        expect(response.status_code == 202, f"check now: {response.status_code}")
        wait_for("the workers to archive the new item", lambda: items_of(watch) == 3)
        archived = cluster.sql(
            "primary", "SELECT count(*) FROM archive_article WHERE url LIKE %s", (base + "/%",)
        )[0][0]
        expect(archived == 3, f"{archived} articles archived from 3 items")
        fetched = [hits.get(f"/a/{n}", 0) for n in (1, 2, 3)]
        expect(fetched == [1, 1, 1], f"each story fetched once, not {fetched}")
        say(f"   3 items archived once each by the two workers (watch {watch})")
    finally:
        server.shutdown()
        server.server_close()


CHECKS = {
    "throttle": check_throttle,
    "imports": check_imports_survive_a_killed_worker,
    "read-your-writes": check_read_your_writes,
    "replica-reads": check_replica_serves_anonymous_reads,
    "watches": check_watches,
}


def run(cluster: Cluster, checks: list[str]) -> list[str]:
    started = time.monotonic()

    def step(message: str) -> None:
        say(f"-- {message} ({time.monotonic() - started:.1f} s)")

    step(f"PostgreSQL 15 primary and streaming replica ({PG_BIN})")
    cluster.start_primary_and_replica()
    say(f"   primary on port {cluster.ports['primary']}, replica on {cluster.ports['replica']}")
    cluster.start_redis()
    step(f"redis-server on port {cluster.ports['redis']}; migrate and load the seeds")
    cluster.manage("migrate", "--noinput", "-v", "0")
    cluster.manage("load_seeds")
    world = World(**json.loads(cluster.manage("shell", "-c", SETUP_CODE).strip().splitlines()[-1]))
    cluster.start_app_servers()
    step(
        f"app servers a (port {cluster.ports['app-a']}, connection pool) and b "
        f"(port {cluster.ports['app-b']}, persistent connections)"
    )
    for name in ("worker-1", "worker-2"):
        cluster.start_worker(name)
    step("workers worker-1 and worker-2 (manage.py worker)")
    failed = []
    for name in checks:
        step(f"check: {name}")
        try:
            CHECKS[name](cluster, world)
        except CheckFailed as failure:
            say(f"   FAILED: {failure}")
            failed.append(name)
            cluster.show_logs(lines=15)
        else:
            say("   ok")
    step("done")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cluster", description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--check", action="append", choices=sorted(CHECKS), help="run only this check"
    )
    options = parser.parse_args(argv)
    for binary in ("initdb", "postgres", "pg_basebackup"):
        if not (PG_BIN / binary).exists():
            say(f"{PG_BIN / binary} is missing: run scripts/install-system-deps")
            return 2
    if shutil.which("redis-server") is None:
        say("redis-server is missing: run scripts/install-system-deps")
        return 2

    root = Path(tempfile.mkdtemp(prefix="claimdesk-cluster-"))
    # PostgreSQL runs as the postgres user and must reach its folders.
    root.chmod(0o755)
    cluster = Cluster(root, keep=options.keep)
    atexit.register(cluster.stop)

    def interrupted(signum, frame):
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)
    say(f"Claimdesk cluster test in {root}")
    try:
        failed = run(cluster, options.check or list(CHECKS))
    except CheckFailed as failure:
        say(f"FAILED while starting the cluster: {failure}")
        cluster.show_logs()
        return 1
    except subprocess.CalledProcessError as error:
        say(f"FAILED: {' '.join(map(str, error.cmd))}: {error.stderr}")
        return 1
    except (psycopg.Error, httpx.HTTPError, OSError) as error:
        say(f"FAILED: {type(error).__name__}: {error}")
        cluster.show_logs()
        return 1
    finally:
        cluster.stop()
    if failed:
        say(f"FAILED: {', '.join(failed)}")
        return 1
    say("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
