"""Regression: a capture records who made it and how, and replacing an archived article's
text by pasted or uploaded text is an editor's act (issue 10, defect 1)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from archive import services
from archive.ingest.documents import CapturePayload
from archive.models import Article, Capture
from tests.archive.conftest import html_page, site  # noqa: F401 (the local web server)
from tests.factories import CAPTURE_TEXT, CaptureFactory

pytestmark = pytest.mark.django_db

NEW_TEXT = CAPTURE_TEXT + "\n\nMise à jour : le ministère n'a donné aucune raison."


def captures_of(article: Article) -> list[tuple]:
    return list(article.captures.values_list("pk", "sha256"))


def test_a_journalist_may_not_replace_an_articles_text_through_the_api(
    as_user, alice_journalist, capture
):
    before = captures_of(capture.article)
    response = as_user(alice_journalist).post(
        f"/api/articles/{capture.article_id}/captures/", {"text": NEW_TEXT}, format="json"
    )
    assert response.status_code == 403
    assert "Only editors replace" in response.json()["detail"]
    assert captures_of(capture.article) == before


def test_an_editors_pasted_text_is_recorded_as_a_replacement_and_shown_as_such(
    as_user, client, erin_editor, capture
):
    response = as_user(erin_editor).post(
        f"/api/articles/{capture.article_id}/captures/", {"text": NEW_TEXT}, format="json"
    )
    assert response.status_code == 201
    stored = capture.article.captures.latest()
    assert response.json() == {
        "id": stored.pk,
        "article": capture.article_id,
        "captured_at": response.json()["captured_at"],
        "text": NEW_TEXT,
        "sha256": stored.sha256,
        "origin": "paste",
        "origin_location": "",
        "warc_record_id": "",
        "raw_content_type": "",
        "extractor": "api",
        "redirects": [],
        "captured_by": erin_editor.pk,
        "captured_by_name": "erin_editor",
        "replacement": True,
        "created_at": response.json()["created_at"],
    }
    page = client.get(reverse("annotations:reader", args=[capture.article_id])).text
    assert "Pasted replacement text." in page
    assert "archived by erin_editor" in page
    history = client.get(reverse("annotations:capture-history", args=[capture.article_id]))
    assert "pasted replacement" in history.text
    assert "<td>erin_editor</td>" in history.text
    summary = as_user(erin_editor).get(f"/api/articles/{capture.article_id}/captures/").json()
    assert [(c["replacement"], c["captured_by_name"]) for c in summary["results"]] == [
        (False, ""),
        (True, "erin_editor"),
    ]


def test_recapturing_an_article_with_a_url_fetches_it_on_the_server(
    as_user,
    alice_journalist,
    site,  # noqa: F811
):
    url = site.page("/story", html_page(text=CAPTURE_TEXT))
    article = CaptureFactory(article__url=url).article
    site.page("/story", html_page(text=NEW_TEXT))
    client = as_user(alice_journalist)

    response = client.post(f"/api/articles/{article.pk}/captures/", {}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["origin"], body["origin_location"], body["replacement"]) == ("url", url, False)
    assert (body["captured_by"], body["captured_by_name"]) == (
        alice_journalist.pk,
        "alice_journalist",
    )
    assert "aucune raison" in article.captures.latest().text
    # Fetched again with no change: nothing stored, the latest capture answered.
    again = client.post(f"/api/articles/{article.pk}/captures/", {}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert article.captures.count() == 2


def test_recapturing_reports_a_failed_fetch_and_stores_nothing(
    as_user,
    alice_journalist,
    site,  # noqa: F811
):
    article = CaptureFactory(article__url=site.base + "/gone").article
    response = as_user(alice_journalist).post(
        f"/api/articles/{article.pk}/captures/", {}, format="json"
    )
    assert response.status_code == 400
    assert "HTTP 404" in str(response.json())
    assert article.captures.count() == 1


def test_an_article_without_a_url_cannot_be_fetched_again(as_user, alice_journalist):
    article = CaptureFactory(article__url="").article
    response = as_user(alice_journalist).post(
        f"/api/articles/{article.pk}/captures/", {}, format="json"
    )
    assert response.status_code == 400
    assert "no web address" in str(response.json())


def test_journalists_still_archive_new_articles_by_pasting(as_user, alice_journalist):
    response = as_user(alice_journalist).post(
        "/api/articles/", {"title": "Nouveau", "text": CAPTURE_TEXT}, format="json"
    )
    assert response.status_code == 201
    capture = Capture.objects.get()
    assert (capture.captured_by, capture.captured_by_name, capture.replacement) == (
        alice_journalist,
        "alice_journalist",
        False,
    )


def test_pasting_new_text_for_a_known_article_in_the_web_form_is_an_editors_act(
    client, alice_journalist, erin_editor
):
    client.force_login(alice_journalist)
    client.post("/articles/add/", {"title": "Une dépêche", "text": CAPTURE_TEXT})
    article = Article.objects.get()

    refused = client.post("/articles/add/", {"title": "Une dépêche", "text": NEW_TEXT})
    assert refused.status_code == 200
    assert "Only editors replace" in refused.text
    assert article.captures.count() == 1

    client.force_login(erin_editor)
    client.post("/articles/add/", {"title": "Une dépêche", "text": NEW_TEXT})
    latest = article.captures.latest()
    assert (latest.origin, latest.replacement, latest.captured_by) == (
        "paste",
        True,
        erin_editor,
    )


def test_an_upload_is_recorded_as_an_uploaded_file(client, alice_journalist, run_jobs):
    client.force_login(alice_journalist)
    upload = SimpleUploadedFile("page.html", html_page("Depuis un fichier").encode())
    run_jobs(lambda: client.post("/articles/add/", {"file": upload, "language": "fr"}))
    capture = Capture.objects.get()
    assert (capture.origin, capture.captured_by_name, capture.replacement) == (
        "upload",
        "alice_journalist",
        False,
    )


def test_an_import_records_the_system_actor(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text("Titre\n\n" + CAPTURE_TEXT, encoding="utf-8")
    call_command("archive", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    capture = Capture.objects.get()
    assert (capture.captured_by, capture.captured_by_name, capture.origin) == (
        None,
        "import",
        "file",
    )


def test_the_admin_shows_a_captures_provenance(client, adam_admin, erin_editor, capture):
    stored = services.add_capture(
        actor=erin_editor,
        article=capture.article,
        capture=CapturePayload(text=NEW_TEXT, origin=Capture.Origin.PASTE),
    )
    client.force_login(adam_admin)
    page = client.get(reverse("admin:archive_capture_change", args=[stored.pk])).text
    assert "erin_editor" in page
    listing = client.get(reverse("admin:archive_capture_changelist") + "?replacement__exact=1")
    assert listing.status_code == 200
    assert "erin_editor" in listing.text
