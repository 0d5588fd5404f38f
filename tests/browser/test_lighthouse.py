"""Lighthouse (from npm, run offline with Debian's Chromium) scores the main pages 100 for
accessibility and for best practices, as the visitor who uses each. Slow: a few seconds per
page, so it runs a handful of pages, not all of them."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from .conftest import CHROMIUM, _skip_or_fail, require_chromium
from .test_screens import newsroom, paths  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIGHTHOUSE_PACKAGE = "lighthouse@12"
LIGHTHOUSE_DIR = Path(
    os.environ.get("CLAIMDESK_LIGHTHOUSE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "claimdesk" / "lighthouse"
)
CATEGORIES = ("accessibility", "best-practices")


@pytest.fixture(scope="session")
def lighthouse() -> Path:
    """The Lighthouse command line, installed from npm into a cache folder on first use."""
    cli = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not cli.exists():
        npm = shutil.which("npm")
        if npm is None:
            _skip_or_fail("npm is needed to install Lighthouse.")
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        install = [npm, "install", "--prefix", str(LIGHTHOUSE_DIR), "--no-audit", "--no-fund"]
        done = subprocess.run(
            [*install, LIGHTHOUSE_PACKAGE],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode or not cli.exists():
            _skip_or_fail(f"npm install {LIGHTHOUSE_PACKAGE} failed: {done.stderr[-500:]}")
    return cli


def scores(cli: Path, url: str, cookie: str = "") -> dict[str, tuple[float, list[str]]]:
    """Each category's score and the audits that cost it points."""
    command = [
        shutil.which("node") or "node",
        str(cli),
        url,
        "--only-categories=" + ",".join(CATEGORIES),
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--chrome-path={CHROMIUM}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        "--max-wait-for-load=60000",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-1000:]
    report = json.loads(done.stdout)
    found = {}
    for name in CATEGORIES:
        category = report["categories"][name]
        lost = [
            ref["id"]
            for ref in category["auditRefs"]
            if ref["weight"] and (report["audits"][ref["id"]]["score"] or 0) < 1
        ]
        found[name] = (category["score"], lost)
    return found


def test_main_pages_score_100_for_accessibility_and_best_practices(
    lighthouse,
    live_server,
    newsroom,  # noqa: F811
):
    require_chromium()
    editor = Client()
    editor.force_login(newsroom["people"]["editor"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={editor.cookies[settings.SESSION_COOKIE_NAME].value}"
    where = paths(newsroom)
    pages = [
        ("", "/accounts/login/"),
        ("", where["home"]),
        (cookie, where["claims"]),
        (cookie, where["reader"]),
        (cookie, where["review"]),
    ]
    found = {}
    for who, path in pages:
        for name, (score, lost) in scores(lighthouse, live_server.url + path, who).items():
            if score < 1:
                found[f"{path} {name}"] = (score, lost)
    assert found == {}
