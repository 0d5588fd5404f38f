"""An import's page in a real browser: it passes axe-core while the job runs and once it has
failed items, and it follows the job live — the progress bar and the status region change as
the worker stores items, without reloading the page."""

import pytest
from playwright.sync_api import expect

from archive import imports
from archive.models import ImportItem, ImportJob
from tests.factories import CaptureFactory

from .conftest import serious_violations

# serialized_rollback: the role groups come from a data migration that a flush would erase.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _no_worker(settings):
    # The jobs below are written by the tests, as a worker would: none runs them.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def a_job(user, *, status: str, items: list[tuple[str, str]]) -> ImportJob:
    """A job of `user`'s in `status`, with `items` (name, outcome) recorded, of four."""
    job = imports.create_import(
        actor=user, inputs=imports.url_inputs([f"https://example.org/{n}" for n in range(4)])
    )
    for position, (name, outcome) in enumerate(items):
        capture = CaptureFactory() if outcome != "failed" else None
        ImportItem.objects.create(
            job=job,
            position=position,
            name=name,
            outcome=outcome,
            article=capture.article if capture else None,
            capture=capture,
            error="not an HTML page (Content-Type: application/json)" if not capture else "",
        )
    failed = sum(outcome == "failed" for _, outcome in items)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        total=4,
        done=len(items),
        failed=failed,
        error=f"{failed} of 4 item(s) failed; each says why." if status == "failed" else "",
    )
    return job


def test_import_pages_have_no_serious_accessibility_violation(
    new_page, axe_source, alice_journalist, erin_editor
):
    running = a_job(
        alice_journalist, status="running", items=[("https://example.org/0", "created")]
    )
    failed = a_job(
        alice_journalist,
        status="failed",
        items=[
            ("https://example.org/0", "created"),
            ("https://example.org/1", "failed"),
            ("https://example.org/2", "unchanged"),
            ("https://example.org/3", "new capture"),
        ],
    )
    found = {}
    for user, paths in (
        (alice_journalist, [f"/imports/{running.pk}/", f"/imports/{failed.pk}/", "/imports/"]),
        (erin_editor, ["/imports/"]),
    ):
        page = new_page(user)
        for path in paths:
            response = page.goto(path)
            assert response.status < 400, (path, response.status)
            if violations := serious_violations(page, axe_source):
                found[path] = violations
    assert found == {}


def test_the_job_page_follows_the_job_as_it_runs(new_page, alice_journalist):
    job = a_job(alice_journalist, status="running", items=[("https://example.org/0", "created")])
    page = new_page(alice_journalist)
    page.goto(f"/imports/{job.pk}/")
    bar = page.get_by_role("progressbar", name="Progress")
    expect(bar).to_have_attribute("value", "1")
    expect(page.get_by_role("status")).to_have_text("Import running.")

    # The worker stores the other items and finishes.
    for position in range(1, 4):
        ImportItem.objects.create(
            job=job, position=position, name=f"https://example.org/{position}", outcome="failed"
        )
    ImportJob.objects.filter(pk=job.pk).update(status="failed", done=4, failed=3)

    expect(page.get_by_role("status")).to_have_text(
        "Import failed: 4 items done, 3 failed.", timeout=10_000
    )
    expect(bar).to_have_attribute("value", "4")
    expect(page.get_by_role("row")).to_have_count(5)  # the header and four items
