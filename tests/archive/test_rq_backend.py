"""The Redis backend (CLAIMDESK_TASK_BACKEND=rq, django-tasks-rq): an import queued by
`archive --background` waits in Redis and `manage.py worker` runs it with RQ — end to end, in
processes of their own, with a redis-server of the test's own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import CAPTURE_TEXT
from tests.security.test_throttle import redis_url  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent.parent


# A SQLite file of its own, whatever the suite runs on; a minute of subprocesses.
@pytest.mark.slow
@pytest.mark.once("sqlite")
def test_an_import_queued_in_redis_is_run_by_the_rq_worker(redis_url, tmp_path):  # noqa: F811
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "CLAIMDESK_", "DJANGO_", "PYTEST", "REDIS_URL"))
    }
    env.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=redis_url,
        CLAIMDESK_TASK_BACKEND="rq",
    )

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    (tmp_path / "note.txt").write_text(f"Une note\n{CAPTURE_TEXT}")
    manage("migrate", "--noinput", "-v0")

    queued = manage("archive", str(tmp_path / "note.txt"), "--background")
    assert queued.startswith("Import 1 queued: /imports/1/")

    manage("worker", "--batch")

    report = manage(
        "shell",
        "-c",
        "from archive.models import ImportJob, Article; job = ImportJob.objects.get(); "
        "print(job.status, job.done, Article.objects.get().title)",
    )
    assert report.strip().splitlines()[-1] == "succeeded 1 Une note"
