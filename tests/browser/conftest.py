"""Real-browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against
pytest-django's live server. Without Chromium they are skipped with the command that
installs it, except under CI (CI=true), where a missing browser is a failure."""

import os
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
