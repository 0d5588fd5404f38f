"""The import pages: a job's progress and items (polled by htmx while it runs) and the list
of imports — a journalist's own, an editor's everyone's."""

import pytest

from archive import imports
from archive.models import ImportItem, ImportJob
from tests.factories import CaptureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def running_job(alice_journalist):
    job = imports.create_import(
        actor=alice_journalist,
        inputs=imports.url_inputs(["https://example.org/a", "https://example.org/b"]),
    )
    capture = CaptureFactory()
    ImportJob.objects.filter(pk=job.pk).update(status="running", total=2, done=1)
    ImportItem.objects.create(
        job=job,
        position=0,
        name="https://example.org/a",
        outcome="created",
        article=capture.article,
        capture=capture,
    )
    job.refresh_from_db()
    return job


def test_a_running_job_shows_its_progress_and_polls_for_more(client, alice_journalist, running_job):
    client.force_login(alice_journalist)

    page = client.get(f"/imports/{running_job.pk}/").text

    assert '<progress id="import-progress-bar" max="2" value="1">50 %</progress>' in page
    assert '<label for="import-progress-bar">' in page
    assert f'hx-get="/imports/{running_job.pk}/" hx-trigger="every 1s"' in page
    article = running_job.items.get().article
    assert f"{article.title}</a>" in page
    assert '<p id="import-status" role="status" aria-live="polite">Import running.</p>' in page


def test_the_polled_part_updates_the_status_region_in_place(client, alice_journalist, running_job):
    client.force_login(alice_journalist)
    ImportJob.objects.filter(pk=running_job.pk).update(status="succeeded", done=2)

    part = client.get(f"/imports/{running_job.pk}/", headers={"HX-Request": "true"}).text

    assert "<h1>" not in part
    assert "hx-trigger" not in part  # finished: no more polling
    assert 'hx-swap-oob="innerHTML">Import succeeded: 2 items done, 0 failed.</p>' in part


def test_a_queued_job_says_what_happens_next_not_a_command(client, alice_journalist):
    job = imports.create_import(
        actor=alice_journalist, inputs=imports.url_inputs(["https://example.org/a"])
    )
    client.force_login(alice_journalist)

    page = client.get(f"/imports/{job.pk}/").text

    assert "Your import is in the queue." in page and "you can leave this page" in page
    assert "manage.py" not in page and "worker" not in page
    assert '<progress id="import-progress-bar" max="100">counting the items…</progress>' in page


def test_others_imports_are_hidden_from_journalists_not_editors(
    client, bob_journalist, erin_editor, running_job
):
    client.force_login(bob_journalist)
    assert client.get(f"/imports/{running_job.pk}/").status_code == 404
    assert f"Import {running_job.pk}" not in client.get("/imports/").text
    client.force_login(erin_editor)
    assert client.get(f"/imports/{running_job.pk}/").status_code == 200
    page = client.get("/imports/").text
    assert f'<a href="/imports/{running_job.pk}/">Import {running_job.pk}</a>' in page
    assert "<td>alice_journalist</td>" in page


def test_anonymous_visitors_are_sent_to_log_in(client, running_job):
    for path in ("/imports/", f"/imports/{running_job.pk}/"):
        assert client.get(path)["Location"].startswith("/accounts/login/")


def test_no_imports_says_how_to_make_one(client, alice_journalist):
    client.force_login(alice_journalist)
    page = client.get("/imports/").text
    assert "No imports yet." in page
    assert 'href="/articles/add/"' in page


def test_the_list_takes_the_same_queries_for_one_import_or_many(
    client, alice_journalist, running_job, django_assert_max_num_queries
):
    client.force_login(alice_journalist)
    # session, user, user's groups (role: twice, page and navigation), the jobs
    with django_assert_max_num_queries(6) as one:
        client.get("/imports/")
    for _ in range(10):
        imports.create_import(
            actor=alice_journalist, inputs=imports.url_inputs(["https://example.org/c"])
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/imports/")


def test_a_job_page_takes_the_same_queries_for_one_item_or_many(
    client, alice_journalist, running_job, django_assert_max_num_queries
):
    client.force_login(alice_journalist)
    with django_assert_max_num_queries(8) as one:
        client.get(f"/imports/{running_job.pk}/")
    for position in range(1, 20):
        ImportItem.objects.create(
            job=running_job, position=position, name=f"item {position}", outcome="failed"
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(f"/imports/{running_job.pk}/")


def test_a_job_page_pages_its_items_in_the_order_of_the_inputs(client, alice_journalist):
    """Regression (issue 21, item 8): the page showed the first 500 items and sent the reader
    to the API, which sent every item in one document."""
    job = imports.create_import(
        actor=alice_journalist, inputs=imports.url_inputs(["https://example.org/a"])
    )
    ImportItem.objects.bulk_create(
        ImportItem(job=job, position=n, name=f"item-{n:03}", outcome="failed", error="refused")
        for n in range(250)
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running", total=300, done=250)
    client.force_login(alice_journalist)

    first = client.get(f"/imports/{job.pk}/").text
    second = client.get(f"/imports/{job.pk}/?page=2").text
    last = client.get(f"/imports/{job.pk}/?page=9").text  # past the end: the last page

    assert "item-000" in first
    assert "item-099" in first
    assert "item-100" not in first
    assert '<a href="?page=2" rel="next">Next items →</a>' in first
    assert "Items 1–100 of 250" in first
    assert "item-100" in second
    assert "item-199" in second
    assert '<a href="?page=1" rel="prev">← Previous items</a>' in second
    # The running job's page polls for the page it shows.
    assert f'hx-get="/imports/{job.pk}/?page=2"' in second
    assert "Items 201–250 of 250" in last
    assert "item-249" in last
