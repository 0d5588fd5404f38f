"""Imports as jobs through the API: what a job reports, who sees it, the limits, and a job
run by the database backend's worker, resumed after its worker died without storing anything
twice."""

import datetime as dt
import json
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from archive import imports
from archive.models import Article, Capture, ImportItem, ImportJob
from tests.archive.conftest import html_page, write_warc
from tests.factories import CAPTURE_TEXT, SourceFactory

pytestmark = pytest.mark.django_db

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


def text_file(name: str, title: str, body: str = CAPTURE_TEXT) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f"{title}\n{body}".encode(), content_type="text/plain")


def post_files(client, *files, **fields):
    return client.post("/api/imports/", {"file": list(files), **fields}, format="multipart")


def test_uploaded_text_files_are_archived_and_the_job_reports_each_item(
    as_user, alice_journalist, run_jobs, settings, tmp_path
):
    settings.CLAIMDESK_IMPORT_DIR = tmp_path
    client = as_user(alice_journalist)

    response = run_jobs(
        lambda: post_files(
            client, text_file("one.txt", "Premier"), text_file("two.txt", "Second"), language="fr"
        )
    )

    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert response.json()["url"] == f"http://testserver/api/imports/{job.pk}/"
    assert response["Location"] == response.json()["url"]
    detail = client.get(f"/api/imports/{job.pk}/").json()
    one, two = Article.objects.order_by("pk")
    assert detail == {
        "id": job.pk,
        "status": "succeeded",
        "url": f"http://testserver/api/imports/{job.pk}/",
        "items_url": f"http://testserver/api/imports/{job.pk}/items/",
        "progress": {"done": 2, "total": 2},
        "failed": 0,
        "error": "",
        "created_by": "alice_journalist",
        "created_at": detail["created_at"],
        "started_at": detail["started_at"],
        "finished_at": detail["finished_at"],
    }
    assert detail["finished_at"] is not None
    assert client.get(detail["items_url"]).json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "position": 0,
                "name": "one.txt",
                "outcome": "created",
                "article": one.pk,
                "capture": one.captures.get().pk,
                "error": "",
            },
            {
                "position": 1,
                "name": "two.txt",
                "outcome": "created",
                "article": two.pk,
                "capture": two.captures.get().pk,
                "error": "",
            },
        ],
    }
    capture = one.captures.get()
    assert (one.title, one.language) == ("Premier", "fr")
    assert (capture.origin, capture.origin_location) == (
        "upload",
        "upload by alice_journalist: one.txt",
    )
    assert capture.captured_by == alice_journalist
    # The uploads are gone once archived.
    assert not any(tmp_path.rglob("*.txt"))


def test_a_warc_and_a_jsonl_upload_hold_many_items_each_reported(
    as_user, alice_journalist, run_jobs, settings, tmp_path
):
    settings.CLAIMDESK_IMPORT_DIR = tmp_path / "imports"
    warc = write_warc(
        tmp_path / "crawl.warc.gz",
        [
            ("https://example.org/a", html_page("Page A").encode(), "text/html", "200 OK"),
            ("https://example.org/logo", b"PNG", "image/png", "200 OK"),
            ("https://example.org/b", html_page("Page B").encode(), "text/html", "200 OK"),
        ],
    )
    lines = [
        json.dumps({"title": "Ligne un", "text": CAPTURE_TEXT, "language": "fr"}),
        json.dumps({"title": "Ligne deux", "text": CAPTURE_TEXT, "colour": "red"}),
    ]
    client = as_user(alice_journalist)

    response = run_jobs(
        lambda: post_files(
            client,
            SimpleUploadedFile("crawl.warc.gz", warc.read_bytes()),
            SimpleUploadedFile("export.jsonl", "\n".join(lines).encode()),
        )
    )

    job = ImportJob.objects.get(pk=response.json()["id"])
    items = client.get(f"/api/imports/{job.pk}/items/").json()["results"]
    assert [(item["outcome"], item["name"].split("#")[0]) for item in items] == [
        ("created", "crawl.warc.gz"),
        ("created", "crawl.warc.gz"),
        ("created", "export.jsonl:1"),
        ("failed", "export.jsonl:2"),
    ]
    assert "field “colour”: unknown field" in items[3]["error"]
    assert (job.status, job.done, job.total, job.failed) == ("failed", 4, 4, 1)
    assert job.error == "1 of 4 item(s) failed; each says why."
    warc_capture = Capture.objects.get(article__url="https://example.org/a")
    assert warc_capture.origin == "warc"
    assert warc_capture.origin_location == (
        "upload by alice_journalist: crawl.warc.gz https://example.org/a"
    )


def test_urls_are_fetched_by_the_job(as_user, alice_journalist, run_jobs, site):
    first = site.page("/a", html_page("Page A"))
    second = site.page("/b", "not html", content_type="text/plain")

    response = run_jobs(
        lambda: as_user(alice_journalist).post(
            "/api/imports/", {"urls": [first, second]}, format="json"
        )
    )

    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert [(item.name, item.outcome) for item in job.items.all()] == [
        (first, "created"),
        (second, "failed"),
    ]
    assert Article.objects.get().url == first


def test_a_source_and_language_given_apply_to_every_item(
    as_user, alice_journalist, run_jobs, settings, tmp_path
):
    settings.CLAIMDESK_IMPORT_DIR = tmp_path
    source = SourceFactory(slug="akipress")

    run_jobs(
        lambda: post_files(
            as_user(alice_journalist),
            text_file("one.txt", "Premier"),
            source="akipress",
            language="ru",
        )
    )

    article = Article.objects.get()
    assert (article.source, article.language) == (source, "ru")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"urls": []}, "urls"),
        ({"urls": ["ftp://example.org/a"]}, "urls"),
        ({"urls": ["https://example.org/a"], "language": "xx"}, "language"),
        ({"urls": ["https://example.org/a"], "source": "nowhere"}, "source"),
        ({"urls": ["https://example.org/a"], "colour": "red"}, "colour"),
        ({}, "urls"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(as_user, alice_journalist, body, message):
    response = as_user(alice_journalist).post("/api/imports/", body, format="json")

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_an_unsupported_file_is_refused_naming_it(as_user, alice_journalist):
    response = post_files(as_user(alice_journalist), SimpleUploadedFile("notes.docx", b"x"))

    assert response.status_code == 400
    assert "“notes.docx”: unsupported file type" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_limit_is_refused_with_413(
    as_user, alice_journalist, settings, tmp_path
):
    settings.CLAIMDESK_IMPORT_DIR = tmp_path
    settings.CLAIMDESK_IMPORT_MAX_BYTES = 100

    response = post_files(as_user(alice_journalist), text_file("big.txt", "Big", "x" * 200))

    assert response.status_code == 413
    assert "“big.txt” is larger than the 100-byte limit" in response.json()["detail"]
    assert not ImportJob.objects.exists()
    assert not any(tmp_path.rglob("*"))


def test_too_many_urls_are_refused(as_user, alice_journalist, settings):
    urls = [f"https://example.org/{n}" for n in range(101)]

    response = as_user(alice_journalist).post("/api/imports/", {"urls": urls}, format="json")

    assert response.status_code == 400
    assert "urls" in response.json()["detail"]


# Who sees and makes imports


@pytest.fixture
def two_jobs(alice_journalist, bob_journalist):
    return [
        imports.create_import(actor=user, inputs=imports.url_inputs(["https://example.org/a"]))
        for user in (alice_journalist, bob_journalist)
    ]


def test_journalists_see_their_own_imports_and_editors_all(
    as_user, alice_journalist, erin_editor, two_jobs
):
    alice, bob = two_jobs

    mine = as_user(alice_journalist).get("/api/imports/").json()["results"]
    every = as_user(erin_editor).get("/api/imports/").json()["results"]

    assert [job["id"] for job in mine] == [alice.pk]
    assert [job["id"] for job in every] == [bob.pk, alice.pk]
    assert as_user(alice_journalist).get(f"/api/imports/{bob.pk}/").status_code == 404
    assert as_user(erin_editor).get(f"/api/imports/{alice.pk}/").status_code == 200


def test_anonymous_visitors_and_read_only_tokens_see_no_imports(
    api, token_client, erin_editor, two_jobs
):
    assert api.get("/api/imports/").status_code == 401
    assert api.get(f"/api/imports/{two_jobs[0].pk}/").status_code == 401
    reader = token_client(erin_editor, read_only=True)
    assert reader.get("/api/imports/").status_code == 403
    response = reader.post("/api/imports/", {"urls": ["https://example.org/a"]}, format="json")
    assert response.status_code == 403
    assert ImportJob.objects.count() == 2


def test_readers_without_a_role_cannot_import(as_user, rita_reader):
    response = as_user(rita_reader).post(
        "/api/imports/", {"urls": ["https://example.org/a"]}, format="json"
    )

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_listing_imports_takes_the_same_queries_for_one_or_many(
    as_user, erin_editor, alice_journalist, django_assert_max_num_queries
):
    client = as_user(erin_editor)
    inputs = imports.url_inputs(["https://example.org/a"])
    imports.create_import(actor=alice_journalist, inputs=inputs)
    # session, user, user's groups (role), the page of jobs
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/imports/").json()["results"]) == 1
    for _ in range(15):
        imports.create_import(actor=alice_journalist, inputs=inputs)
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/imports/").json()["results"]) == 16


def a_job_with_items(actor, count: int) -> ImportJob:
    job = imports.create_import(actor=actor, inputs=imports.url_inputs(["https://example.org/a"]))
    ImportItem.objects.bulk_create(
        ImportItem(
            job=job,
            position=position,
            name=f"item {position}",
            outcome="failed" if position % 3 == 0 else "created",
            error="refused" if position % 3 == 0 else "",
        )
        for position in range(count)
    )
    ImportJob.objects.filter(pk=job.pk).update(status="failed", done=count, total=count)
    return job


def test_a_job_s_summary_holds_no_items_but_where_to_page_through_them(
    as_user, alice_journalist, django_assert_num_queries
):
    """Regression (issue 21, item 8): a job of 10,000 items was one 10,000-item document."""
    job = a_job_with_items(alice_journalist, 250)
    client = as_user(alice_journalist)
    # session, user, user's groups (role), the job
    with django_assert_num_queries(4):
        detail = client.get(f"/api/imports/{job.pk}/").json()
    assert "items" not in detail
    assert detail["items_url"] == f"http://testserver/api/imports/{job.pk}/items/"


def test_a_job_s_items_are_paged_in_order_and_filtered_by_outcome(as_user, alice_journalist):
    job = a_job_with_items(alice_journalist, 250)
    client = as_user(alice_journalist)

    first = client.get(f"/api/imports/{job.pk}/items/").json()
    assert [item["position"] for item in first["results"]] == list(range(20))
    seen, url = [], f"/api/imports/{job.pk}/items/?page_size=100"
    while url:
        page = client.get(url).json()
        seen += [item["position"] for item in page["results"]]
        url = page["next"]
    assert seen == list(range(250))

    failed = client.get(f"/api/imports/{job.pk}/items/", {"outcome": "failed", "page_size": 100})
    results = failed.json()["results"]
    assert [item["position"] for item in results] == list(range(0, 250, 3))[:100]
    assert {item["error"] for item in results} == {"refused"}


@pytest.mark.parametrize(
    "query", [{"outcome": "lost"}, {"outcome": ""}, {"page_size": "0"}, {"cursor": "nope"}]
)
def test_a_bad_item_query_is_a_400(as_user, alice_journalist, query):
    job = a_job_with_items(alice_journalist, 3)
    response = as_user(alice_journalist).get(f"/api/imports/{job.pk}/items/", query)
    assert response.status_code == 400


def test_others_items_are_hidden_like_their_jobs(as_user, api, bob_journalist, alice_journalist):
    job = a_job_with_items(alice_journalist, 3)
    assert as_user(bob_journalist).get(f"/api/imports/{job.pk}/items/").status_code == 404
    assert api.get(f"/api/imports/{job.pk}/items/").status_code == 401


@pytest.mark.parametrize("page_size", [1, 100])
def test_a_page_of_items_takes_the_same_queries_at_any_size(
    as_user, alice_journalist, django_assert_num_queries, page_size
):
    job = a_job_with_items(alice_journalist, 150)
    client = as_user(alice_journalist)
    # session, user, user's groups (role), the job, the page of items
    with django_assert_num_queries(5):
        page = client.get(f"/api/imports/{job.pk}/items/", {"page_size": page_size}).json()
    assert len(page["results"]) == page_size


# The database backend and its worker


# serialized_rollback: the role groups come from a data migration that a flush would erase.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_backend_queues_the_job_until_a_worker_runs_it(
    as_user, alice_journalist, settings, tmp_path
):
    settings.TASKS = DATABASE_BACKEND
    settings.CLAIMDESK_IMPORT_DIR = tmp_path
    client = as_user(alice_journalist)

    response = post_files(client, text_file("one.txt", "Premier"), text_file("two.txt", "Second"))

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert not Article.objects.exists()

    call_command("worker", "--batch", verbosity=0)

    job = ImportJob.objects.get()
    assert (job.status, job.done, job.total) == ("succeeded", 2, 2)
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Premier", "Second"]


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs in the worker."""


def a_job_killed_after(count: int, inputs: list[dict], monkeypatch, *, actor) -> ImportJob:
    """A job whose worker died while storing its item number `count` (that item's
    transaction rolled back), left "running" with a heartbeat long stale. Each item is a batch
    of its own here, so that the kill falls between items as it may between batches."""
    job = imports.create_import(actor=actor, inputs=inputs)
    recorded = imports._Run.record
    calls = []

    def record(self, *args, **kwargs):
        calls.append(1)
        recorded(self, *args, **kwargs)
        if len(calls) == count:
            raise Killed  # out of the batch's transaction, which rolls back

    with monkeypatch.context() as patch:
        patch.setattr(imports._Run, "record", record)
        patch.setattr("archive.services.BATCH_ITEMS", 1)
        # In the worker's own process, so that the kill reaches the test.
        patch.setattr(imports, "can_isolate", lambda: False)
        with pytest.raises(Killed):
            imports.run_import(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    return job


def text_inputs(tmp_path, count: int) -> list[dict]:
    paths = []
    for n in range(count):
        path = tmp_path / f"article-{n}.txt"
        path.write_text(f"Article {n}\n{CAPTURE_TEXT}")
        paths.append(path)
    return imports.path_inputs(paths)


def test_a_job_whose_worker_died_resumes_and_stores_each_item_once(
    alice_journalist, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    job = a_job_killed_after(3, text_inputs(tmp_path, 5), monkeypatch, actor=alice_journalist)
    job.refresh_from_db()
    assert (job.status, job.done, job.attempts) == ("running", 2, 1)
    assert Article.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert imports.recover_stale_imports() == [job.pk]

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == ("succeeded", 5, 5, 2)
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        f"Article {n}" for n in range(5)
    ]
    assert Capture.objects.count() == 5
    items = list(job.items.all())
    assert [(item.position, item.outcome) for item in items] == [(n, "created") for n in range(5)]
    # The report names what was stored: every item's capture, once.
    assert {item.capture_id for item in items} == set(Capture.objects.values_list("pk", flat=True))


# serialized_rollback: the role groups come from a data migration that a flush would erase.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_takes_back_a_job_whose_worker_died(
    alice_journalist, tmp_path, settings, monkeypatch
):
    settings.TASKS = DATABASE_BACKEND
    job = a_job_killed_after(2, text_inputs(tmp_path, 3), monkeypatch, actor=alice_journalist)
    # The killed run's task was claimed; the queue holds nothing else.
    call_command("worker", "--batch", verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("succeeded", 3, 3)
    assert Capture.objects.count() == 3
    assert list(job.items.values_list("outcome", flat=True)) == ["created"] * 3


def test_a_job_that_keeps_killing_its_worker_fails_saying_what_was_stored(
    alice_journalist, tmp_path, monkeypatch, settings
):
    settings.CLAIMDESK_JOB_MAX_ATTEMPTS = 1
    job = a_job_killed_after(2, text_inputs(tmp_path, 3), monkeypatch, actor=alice_journalist)

    assert imports.recover_stale_imports() == []

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith("The worker running this import stopped 1 times; 1 item(s)")


def test_a_live_job_is_not_taken_back(alice_journalist, tmp_path, monkeypatch):
    job = a_job_killed_after(2, text_inputs(tmp_path, 3), monkeypatch, actor=alice_journalist)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())

    assert imports.recover_stale_imports() == []
    assert ImportJob.objects.get(pk=job.pk).status == "running"


def test_a_run_that_lost_its_job_stores_nothing_more(alice_journalist, tmp_path, monkeypatch):
    """A run taken for dead but still alive: once its job is queued again, its next batch is
    rolled back and it stops."""
    job = a_job_killed_after(2, text_inputs(tmp_path, 3), monkeypatch, actor=alice_journalist)
    stale = ImportJob.objects.get(pk=job.pk)
    run = imports._Run(stale, stale.runner)
    ImportJob.objects.filter(pk=job.pk).update(runner="another run")

    with pytest.raises(imports.JobLost):
        run.run()

    assert Capture.objects.count() == 1
    assert job.items.count() == 1


# manage.py archive --background


def test_the_archive_command_queues_a_job_and_prints_where_to_follow_it(tmp_path, settings, capsys):
    settings.TASKS = DATABASE_BACKEND
    (tmp_path / "one.txt").write_text(f"Premier\n{CAPTURE_TEXT}")

    call_command("archive", str(tmp_path), "--background", "--site", "http://127.0.0.1:8000")

    job = ImportJob.objects.get()
    assert capsys.readouterr().out == (
        f"Import {job.pk} queued: http://127.0.0.1:8000/imports/{job.pk}/ "
        f"(API: http://127.0.0.1:8000/api/imports/{job.pk}/)\n"
        "A worker (python manage.py worker) runs it; follow it there.\n"
    )
    assert (job.created_by, job.created_by_name) == (None, "import")
    assert job.inputs == [
        {"path": str(tmp_path / "one.txt"), "name": str(tmp_path / "one.txt"), "upload": False}
    ]
    assert not Article.objects.exists()


# Committed as the command commits, so that the job runs as it is queued.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_archive_command_runs_the_job_at_once_without_a_worker(tmp_path, capsys):
    (tmp_path / "one.txt").write_text(f"Premier\n{CAPTURE_TEXT}")
    (tmp_path / "two.txt").write_bytes(b"Second\n\xff")

    with pytest.raises(CommandError, match=r"1 of 2 item\(s\) failed"):
        call_command("archive", str(tmp_path), "--background")

    out, err = capsys.readouterr()
    article = Article.objects.get()
    assert f"created: {tmp_path / 'one.txt'} → article {article.pk}" in out
    assert "1 created, 0 new capture(s) of known articles, 0 unchanged, 1 failed." in out
    assert f"failed: {tmp_path / 'two.txt'}: not UTF-8 text" in err
    capture = article.captures.get()
    assert (capture.origin, capture.origin_location) == ("file", str(tmp_path / "one.txt"))
    assert capture.captured_by_name == "import"


# Committed, so that the heartbeat's own connection sees the job.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_live_run_keeps_its_heartbeat_fresh_through_a_long_item(
    alice_journalist, tmp_path, monkeypatch, settings
):
    settings.TASKS = DATABASE_BACKEND  # queued, not run as it is asked for
    settings.CLAIMDESK_JOB_STALE_AFTER = 2  # a beat every half second
    job = a_job_killed_after(2, text_inputs(tmp_path, 3), monkeypatch, actor=alice_journalist)
    stale = ImportJob.objects.get(pk=job.pk)
    stop = threading.Event()
    beat = threading.Thread(target=imports._beat, args=(job.pk, stale.runner, stop))

    beat.start()
    time.sleep(1.5)  # the run works on one long item meanwhile
    stop.set()
    beat.join()

    assert timezone.now() - ImportJob.objects.get(pk=job.pk).heartbeat_at < dt.timedelta(
        seconds=1.5
    )
    assert imports.recover_stale_imports() == []


def test_more_files_than_one_request_takes_is_a_400_naming_the_limit(
    as_user, alice_journalist, settings
):
    settings.CLAIMDESK_IMPORT_MAX_FILES = settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [text_file(f"{n}.txt", f"Titre {n}") for n in range(3)]

    response = post_files(as_user(alice_journalist), *files)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "at most 2 files (CLAIMDESK_IMPORT_MAX_FILES)" in response.json()["detail"]
    assert not ImportJob.objects.exists()
