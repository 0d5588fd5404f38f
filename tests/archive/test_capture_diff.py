"""Journalists see what changed between two captures of an article."""

import pytest

from archive.services import archive_article
from archive.views import text_diff
from tests.factories import CAPTURE_TEXT, CLAIM_SENTENCE, CaptureFactory

pytestmark = pytest.mark.django_db


def test_text_diff_marks_removed_and_added_words():
    assert text_diff("Le ministre a dit non.", "Le ministre a dit oui, enfin.") == [
        ("same", "Le ministre a dit "),
        ("removed", "non."),
        ("added", "oui, enfin."),
    ]


def test_changes_page_shows_words_removed_and_added_since_the_previous_capture(client):
    first = CaptureFactory()
    article = first.article
    second = archive_article(
        title=article.title,
        url=article.url,
        text=CAPTURE_TEXT.replace("rendue publique", "donnée <b>"),
        origin="url",
    ).capture
    response = client.get(f"/articles/{article.pk}/captures/{second.pk}/changes/")
    assert response.status_code == 200
    assert "<del>rendue publique </del><ins>donnée &lt;b&gt; </ins>" in response.text
    assert CLAIM_SENTENCE.split(" n’a")[0] in response.text


def test_the_first_capture_has_nothing_to_compare_with(client):
    capture = CaptureFactory()
    response = client.get(f"/articles/{capture.article_id}/captures/{capture.pk}/changes/")
    assert "first capture" in response.text


def test_changes_page_queries_do_not_depend_on_the_text(client, django_assert_num_queries):
    first = CaptureFactory()
    article = first.article
    second = archive_article(
        title=article.title, url=article.url, text=CAPTURE_TEXT * 20, origin="url"
    ).capture
    # The capture with its article and source; the previous capture.
    with django_assert_num_queries(2):
        client.get(f"/articles/{article.pk}/captures/{second.pk}/changes/")
