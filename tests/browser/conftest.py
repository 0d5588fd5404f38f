"""Real-browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against
pytest-django's live server. Without Chromium they are skipped with the command that
installs it, except under CI (CI=true), where a missing browser is a failure."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password
ROOT = Path(__file__).resolve().parents[2]


def save_screenshot(page, name: str) -> None:
    """Refresh a README screenshot, only when asked (`make screenshots` sets
    CLAIMDESK_SCREENSHOTS to the folder), so that a test run leaves the tree as it was."""
    folder = os.environ.get("CLAIMDESK_SCREENSHOTS")
    if folder:
        path = ROOT / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))


# Selects the DOM text from the start of `startNeedle` to the end of `endNeedle` inside
# #capture-text with a Range, as a mouse drag would. Needles are found in the concatenated
# text nodes (the paragraph breaks are not in the DOM).
SELECT_JS = """
([startNeedle, endNeedle]) => {
  const root = document.getElementById("capture-text");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let full = "";
  while (walker.nextNode()) {
    nodes.push({ node: walker.currentNode, at: full.length });
    full += walker.currentNode.data;
  }
  const start = full.indexOf(startNeedle);
  if (start < 0) throw new Error("not in the text: " + startNeedle);
  const endAt = full.indexOf(endNeedle, start);
  if (endAt < 0) throw new Error("not in the text: " + endNeedle);
  const end = endAt + endNeedle.length;
  const startNode = nodes.filter((n) => n.at <= start).pop();
  const endNode = nodes.filter((n) => n.at < end).pop();
  const range = document.createRange();
  range.setStart(startNode.node, start - startNode.at);
  range.setEnd(endNode.node, end - endNode.at);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return selection.toString();
}
"""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def require_chromium(path: str = CHROMIUM) -> None:
    """Skip (locally) or fail (under CI) when Chromium is missing."""
    if os.path.exists(path):
        return
    message = (
        f"Chromium is not installed at {path}; the browser tests need it: "
        "sudo apt-get install chromium (or run scripts/install-system-deps)."
    )
    if in_ci():
        pytest.fail(message + " CI is set, so these tests must run, not be skipped.")
    pytest.skip(message)


# axe-core (the accessibility checker) from npm, installed once into a cache folder outside the
# repository; scripts/install-system-deps installs it there too.
AXE_PACKAGE = "axe-core@4"
AXE_DIR = Path(
    os.environ.get("CLAIMDESK_AXE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "claimdesk" / "axe"
)


def _skip_or_fail(message: str) -> None:
    if in_ci():
        pytest.fail(message + " CI is set, so these tests must run, not be skipped.")
    pytest.skip(message)


@pytest.fixture(scope="session")
def axe_source() -> str:
    return load_axe(AXE_DIR)


def load_axe(folder: Path) -> str:
    """The source of axe.min.js in `folder`, installed there from npm on first use (skips
    locally, fails under CI, when npm or the registry is unavailable)."""
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            _skip_or_fail("npm is needed to install axe-core for the accessibility tests.")
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", AXE_PACKAGE],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode or not script.exists():
            _skip_or_fail(f"npm install {AXE_PACKAGE} failed: {done.stderr[-500:]}")
    return script.read_text(encoding="utf-8")


# Runs axe on the page; resolves to the violations of serious or critical impact, each as
# "rule: help (selectors)".
AXE_RUN_JS = """
async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const where = v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ");
      return v.id + ": " + v.help + " (" + where + ")";
    });
}
"""


def serious_violations(page, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations on the page as loaded. The script is
    evaluated rather than added as a <script> element, which the CSP would refuse."""
    page.evaluate(axe_source)
    return page.evaluate(AXE_RUN_JS)


@pytest.fixture
def chromium(live_server, monkeypatch):
    """Chromium for one test. Playwright's sync API runs an event loop in this thread while
    the browser is open, so Django's async-safety check is relaxed for that time only (the
    ORM calls here are synchronous); starting the browser per test keeps the rest of the
    suite under the check."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        # While Playwright's loop runs, Django keeps this thread's connections apart (as for
        # async code): close the ones the test opened, or they outlive the test database.
        connections.close_all()


@pytest.fixture
def new_page(chromium, live_server):
    """A factory of pages, each in its own browser context (its own cookies, so its own
    login), opened on the live server."""
    contexts = []

    def open_page(user=None):
        context = chromium.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 860}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        if user is not None:
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill(user.username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def select_text(page, start_needle: str, end_needle: str | None = None) -> str:
    return page.evaluate(SELECT_JS, [start_needle, end_needle or start_needle])
