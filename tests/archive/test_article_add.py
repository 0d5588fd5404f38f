"""Journalists add articles from the web: pasted text, an uploaded file, or a URL."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import Article, Capture
from tests.archive.conftest import html_page
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
    for field in ("url", "file", "title", "text", "source", "language"):
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


def test_an_uploaded_html_file_goes_through_the_same_extraction(journalist_client):
    source = SourceFactory(slug="le-journal")
    upload = SimpleUploadedFile("page.html", html_page("Depuis un fichier").encode())
    journalist_client.post(URL, {"file": upload, "source": source.pk, "language": "fr"})
    article = Article.objects.get()
    assert (article.title, article.source, article.authors) == (
        "Depuis un fichier",
        source,
        ["Jeanne Martin"],
    )
    assert bytes(article.captures.get().raw).startswith(b"<!doctype html>")


def test_an_uploaded_text_file_in_the_seed_format(journalist_client):
    upload = SimpleUploadedFile("dépêche.txt", f"Titre\n\n{CAPTURE_TEXT}".encode())
    journalist_client.post(URL, {"file": upload})
    assert Article.objects.get().title == "Titre"


def test_a_url_is_fetched_and_archived(journalist_client, site):
    url = site.page("/story", html_page("Depuis le web"))
    response = journalist_client.post(URL, {"url": url})
    article = Article.objects.get()
    assert response["Location"] == f"/articles/{article.pk}/"
    assert (article.url, article.captures.get().origin) == (url, "url")


def test_a_changed_url_becomes_a_new_capture_and_a_duplicate_adds_nothing(journalist_client, site):
    url = site.page("/story", html_page("Depuis le web"))
    journalist_client.post(URL, {"url": url})
    response = journalist_client.post(URL, {"url": url}, follow=True)
    assert "Already archived with identical text: nothing was added." in response.text
    site.page("/story", html_page("Depuis le web", CAPTURE_TEXT + "\nCorrection : un ajout."))
    response = journalist_client.post(URL, {"url": url}, follow=True)
    assert "archived as a new capture" in response.text
    assert Capture.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give exactly one of: a web address, a file, or pasted text."),
        (
            {"text": "Du texte", "url": "https://example.org/a"},
            "Give exactly one of: a web address, a file, or pasted text.",
        ),
        ({"text": "Du texte sans titre"}, "Pasted text needs a title."),
        ({"url": "ftp://example.org/a"}, "Enter a valid URL."),
    ],
)
def test_incomplete_forms_are_refused_with_a_reason(journalist_client, data, message):
    response = journalist_client.post(URL, data)
    assert response.status_code == 200
    assert message in response.text
    assert not Article.objects.exists()


def test_a_bad_upload_is_refused_naming_the_file(journalist_client):
    upload = SimpleUploadedFile("ancien.txt", "Titre\n\nL’été".encode("cp1252"))
    response = journalist_client.post(URL, {"file": upload})
    assert "ancien.txt: not UTF-8 text (byte 0x92 at offset 8)" in response.text
    upload = SimpleUploadedFile("tableur.xlsx", b"PK\x03\x04")
    response = journalist_client.post(URL, {"file": upload})
    assert "“tableur.xlsx” is neither a .txt nor a .html file." in response.text
    assert not Article.objects.exists()


def test_a_non_html_url_is_refused_naming_it(journalist_client, site):
    url = site.page("/data.json", b"{}", content_type="application/json")
    response = journalist_client.post(URL, {"url": url})
    assert f"{url}: not an HTML page (Content-Type: application/json)" in response.text
    assert not Article.objects.exists()


def test_user_text_in_errors_is_escaped(journalist_client):
    upload = SimpleUploadedFile("<img src=x onerror=alert(1)>.txt", b"\n \n")
    response = journalist_client.post(URL, {"file": upload})
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;.txt: The file is empty" in response.text


def test_the_navigation_offers_adding_an_article_to_logged_in_users(journalist_client, client):
    assert 'href="/articles/add/"' in journalist_client.get("/").text


def test_a_url_on_a_private_address_is_refused_with_a_reason(journalist_client):
    response = journalist_client.post(URL, {"url": "http://127.0.0.1:9/admin/"})
    assert response.status_code == 200
    assert "non-public address" in response.text
    assert not Article.objects.exists()
