"""`make run`'s script starts the web server and a worker as one command: an import posted to
the server is run by the worker, and one Ctrl-C (SIGINT) stops both, runserver's reloading
child included."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "run-dev"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


@pytest.fixture
def environment(tmp_path):
    """A fresh SQLite database with the development logins, in a folder of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "CLAIMDESK_", "DJANGO_", "PYTEST"))
    }
    env.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        PY=sys.executable,
    )

    def manage(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout

    manage("migrate", "--noinput", "-v0")
    manage("ensure_dev_login")
    key = manage("create_api_token", "journalist").strip().split()[-1]
    return env, key


@pytest.mark.slow
@pytest.mark.once("sqlite")  # the script makes a SQLite database of its own
def test_run_script_serves_runs_imports_and_stops_both_on_ctrl_c(environment, tmp_path):
    env, key = environment
    port = free_port()
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(
        [str(SCRIPT), f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal would give it
    )
    pgid = process.pid
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Token {key}"}
    try:

        def answering():
            try:
                return httpx.get(f"{base}/api/imports/", headers=headers, timeout=2)
            except httpx.TransportError:
                return None

        assert wait_for(answering, seconds=40, what="the server").status_code == 200
        posted = httpx.post(
            f"{base}/api/imports/",
            headers=headers,
            files={"file": ("note.txt", "Une note\nLe texte de la note, archivé.".encode())},
            timeout=10,
        )
        assert posted.status_code == 202, posted.text

        def finished():
            job = httpx.get(posted.json()["url"], headers=headers, timeout=5).json()
            return job if job["status"] in ("succeeded", "failed") else None

        job = wait_for(finished, seconds=30, what="the worker to run the import")
        assert job["status"] == "succeeded", job
        items = httpx.get(job["items_url"], headers=headers, timeout=5).json()["results"]
        assert [item["outcome"] for item in items] == ["created"]

        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
        wait_for(lambda: not group_alive(pgid), seconds=20, what="every process to stop")
    finally:
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
        log.close()
