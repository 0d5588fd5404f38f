"""Journalists add articles from the web: pasted text at once; files and web addresses by
an import, whose page follows it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import Article, Capture, ImportItem, ImportJob
from tests.archive.conftest import html_page, write_warc
from tests.factories import CAPTURE_TEXT, CLAIM_SENTENCE, SourceFactory

pytestmark = pytest.mark.django_db

URL = "/articles/add/"


@pytest.fixture
def journalist_client(client, alice_journalist):
    client.force_login(alice_journalist)
    return client


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_readers_without_a_role_may_not_add_articles(client, rita_reader):
    client.force_login(rita_reader)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"title": "T", "text": "Texte."}).status_code == 403
    assert not Article.objects.exists()


def test_the_form_has_labelled_fields_and_a_csrf_token(journalist_client):
    page = journalist_client.get(URL).text
    for field in ("urls", "file", "title", "text", "source", "language"):
        assert f'<label for="id_{field}">' in page
    assert "csrfmiddlewaretoken" in page
    assert 'enctype="multipart/form-data"' in page


def test_pasted_text_is_archived_and_the_article_shown(journalist_client, alice_journalist):
    response = journalist_client.post(URL, {"title": "Une dépêche", "text": CAPTURE_TEXT})
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.pk}/"
    capture = article.captures.get()
    assert (capture.origin, capture.origin_location) == ("paste", "pasted by alice_journalist")
    assert article.language == "fr"  # detected
    page = journalist_client.get(response["Location"]).text
    assert "Archived as a new article." in page
    assert CLAIM_SENTENCE in page


def test_an_uploaded_html_file_goes_through_the_same_extraction(journalist_client, run_jobs):
    source = SourceFactory(slug="le-journal")
    upload = SimpleUploadedFile("page.html", html_page("Depuis un fichier").encode())
    response = run_jobs(
        lambda: journalist_client.post(URL, {"file": upload, "source": source.pk, "language": "fr"})
    )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/"
    article = Article.objects.get()
    assert (article.title, article.source, article.authors) == (
        "Depuis un fichier",
        source,
        ["Jeanne Martin"],
    )
    assert bytes(article.captures.get().raw).startswith(b"<!doctype html>")


def test_an_uploaded_text_file_in_the_seed_format(journalist_client, run_jobs):
    upload = SimpleUploadedFile("dépêche.txt", f"Titre\n\n{CAPTURE_TEXT}".encode())
    run_jobs(lambda: journalist_client.post(URL, {"file": upload}))
    assert Article.objects.get().title == "Titre"


def test_several_files_of_every_kind_make_one_import(journalist_client, run_jobs, tmp_path):
    warc = write_warc(
        tmp_path / "crawl.warc.gz",
        [("https://example.org/a", html_page("Page A").encode(), "text/html", "200 OK")],
    )
    lines = json.dumps({"title": "Ligne", "text": CAPTURE_TEXT})
    files = [
        SimpleUploadedFile("crawl.warc.gz", warc.read_bytes()),
        SimpleUploadedFile("export.jsonl", lines.encode()),
        SimpleUploadedFile("note.txt", f"Note\n{CAPTURE_TEXT}".encode()),
    ]
    run_jobs(lambda: journalist_client.post(URL, {"file": files}))
    job = ImportJob.objects.get()
    assert job.status == "succeeded"
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Ligne", "Note", "Page A"]


def test_urls_are_fetched_and_archived_by_an_import(journalist_client, site, run_jobs):
    first = site.page("/story", html_page("Depuis le web"))
    second = site.page("/other", html_page("Un autre"))
    response = run_jobs(lambda: journalist_client.post(URL, {"urls": f"{first}\n\n{second}\n"}))
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.inputs == [{"url": first, "name": first}, {"url": second, "name": second}]
    article = Article.objects.get(url=first)
    assert article.captures.get().origin == "url"
    page = journalist_client.get(response["Location"]).text
    assert f'href="/articles/{article.pk}/?capture={article.captures.get().pk}"' in page
    assert "Import succeeded: 2 items done, 0 failed." in page


def test_a_changed_url_becomes_a_new_capture_and_a_duplicate_adds_nothing(
    journalist_client, site, run_jobs
):
    url = site.page("/story", html_page("Depuis le web"))
    run_jobs(lambda: journalist_client.post(URL, {"urls": url}))
    run_jobs(lambda: journalist_client.post(URL, {"urls": url}))
    site.page("/story", html_page("Depuis le web", CAPTURE_TEXT + "\nCorrection : un ajout."))
    run_jobs(lambda: journalist_client.post(URL, {"urls": url}))
    outcomes = [job.items.get().outcome for job in ImportJob.objects.order_by("pk")]
    assert outcomes == ["created", "unchanged", "new capture"]
    assert Capture.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give one of: web addresses, files, or pasted text (with its title)."),
        (
            {"text": "Du texte", "urls": "https://example.org/a"},
            "Give one of: web addresses, files, or pasted text (with its title).",
        ),
        ({"text": "Du texte sans titre"}, "Pasted text needs a title."),
        ({"urls": "ftp://example.org/a"}, "“ftp://example.org/a” is not an http(s) address."),
    ],
)
def test_incomplete_forms_are_refused_with_a_reason(journalist_client, data, message):
    response = journalist_client.post(URL, data)
    assert response.status_code == 200
    assert message in response.text
    assert not Article.objects.exists()
    assert not ImportJob.objects.exists()


def test_a_file_of_an_unknown_kind_is_refused_naming_it(journalist_client):
    upload = SimpleUploadedFile("tableur.xlsx", b"PK\x03\x04")
    response = journalist_client.post(URL, {"file": upload})
    assert "“tableur.xlsx”: unsupported file type; expected one of .txt" in response.text
    assert not ImportJob.objects.exists()


def test_a_bad_upload_fails_its_import_naming_the_file_and_what_to_do(journalist_client, run_jobs):
    upload = SimpleUploadedFile("ancien.txt", "Titre\n\nL’été".encode("cp1252"))
    response = run_jobs(lambda: journalist_client.post(URL, {"file": upload}))
    page = journalist_client.get(response["Location"]).text
    assert "ancien.txt" in page
    assert "not UTF-8 text (byte 0x92 at offset 8); save the file as UTF-8" in page
    assert "Fix the items named below and import them again" in page
    assert not Article.objects.exists()


def test_a_non_html_url_fails_its_import_naming_it(journalist_client, site, run_jobs):
    url = site.page("/data.json", b"{}", content_type="application/json")
    run_jobs(lambda: journalist_client.post(URL, {"urls": url}))
    item = ImportItem.objects.get()
    assert (item.name, item.outcome) == (url, "failed")
    assert item.error == "not an HTML page (Content-Type: application/json)"
    assert not Article.objects.exists()


def test_user_text_in_errors_is_escaped(journalist_client, run_jobs):
    upload = SimpleUploadedFile("<img src=x onerror=alert(1)>.txt", b"\n \n")
    response = run_jobs(lambda: journalist_client.post(URL, {"file": upload}))
    page = journalist_client.get(response["Location"]).text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page


def test_the_navigation_offers_adding_an_article_to_logged_in_users(journalist_client, client):
    assert 'href="/articles/add/"' in journalist_client.get("/").text


def test_a_url_on_a_private_address_fails_with_a_reason(journalist_client, run_jobs):
    run_jobs(lambda: journalist_client.post(URL, {"urls": "http://127.0.0.1:9/admin/"}))
    assert "non-public address" in ImportItem.objects.get().error
    assert not Article.objects.exists()
