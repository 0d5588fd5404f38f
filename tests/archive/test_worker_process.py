"""Regression (issue 21, item 4) on SQLite, the default database: a worker process on an SQLite
file runs each import in a child process under the memory ceiling; a job past it fails saying
so and the next job runs. (The suite's own SQLite database lives in memory and cannot be
shared with a child; tests/archive/test_job_limits.py runs the same on PostgreSQL.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth.models import User

call_command("migrate", verbosity=0)
from accounts.roles import grant
from archive import imports
from archive.models import ImportJob

folder = sys.argv[1]
user = User.objects.create_user("ana")
grant(user, "journalists")
renamed = imports._Run.renamed

def reading(self, entry, path, item):
    if entry["name"].endswith("hog.txt"):
        blocks = [bytearray(2**20) for _ in range(512)]
    return renamed(self, entry, path, item)

imports._Run.renamed = reading
jobs = []
for name in ("hog.txt", "after.txt"):
    path = f"{folder}/{name}"
    with open(path, "w") as out:
        out.write(name + "\\n" + "Un article assez long pour être archivé. " * 20)
    jobs.append(imports.create_import(actor=user, inputs=imports.path_inputs([Path(path)])).pk)
call_command("worker", "--batch", verbosity=0)
jobs = ImportJob.objects.filter(pk__in=jobs).order_by("pk")
print(json.dumps([[job.status, job.error] for job in jobs]))
"""


@pytest.mark.slow
@pytest.mark.once("sqlite")  # a SQLite file of its own, whatever the suite runs on
def test_a_worker_on_an_sqlite_file_fails_a_job_over_its_memory_ceiling_and_goes_on(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'claimdesk.sqlite3'}",
        "CLAIMDESK_TASK_BACKEND": "database",
        "CLAIMDESK_JOB_MAX_MEMORY_MB": "256",
        "CLAIMDESK_IMPORT_DIR": str(tmp_path / "imports"),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    (hog_status, hog_error), (after_status, after_error) = json.loads(done.stdout.splitlines()[-1])
    assert hog_status == "failed"
    assert hog_error.startswith("Stopped: used more than 256 MB (CLAIMDESK_JOB_MAX_MEMORY_MB).")
    assert (after_status, after_error) == ("succeeded", "")
