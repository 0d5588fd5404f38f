"""The lists as a newsroom reads them: rows with dates and language names, filters that can
match for the viewer, a searchable tag multi-select, and helpful empty states."""

import pytest

from tests.factories import CaptureFactory, SourceFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_article_rows_show_capture_and_publication_dates_and_the_language_name(client):
    import datetime as dt

    capture = CaptureFactory(
        article__language="fr",
        article__published_at=dt.datetime(2022, 10, 11, tzinfo=dt.UTC),
        captured_at=dt.datetime(2022, 10, 12, 9, 30, tzinfo=dt.UTC),
    )
    for url in ("/", "/articles/"):
        html = client.get(url).text
        # One cell each (aligned columns on a wide screen): the dates, the language.
        assert "captured 12 Oct 2022<br>published 11 Oct 2022</span><span>French" in html, url
        assert "Unknown source" not in html and "· FR" not in html
    assert f'href="/articles/{capture.article_id}/"' in client.get("/articles/").text


def test_article_rows_name_their_source_when_known(client):
    CaptureFactory(article__source=SourceFactory(name="AKIpress"))
    assert "<span>AKIpress</span><span>captured" in client.get("/articles/").text


def test_anonymous_readers_are_not_offered_statuses_that_cannot_match(client, alice_journalist):
    TagFactory()
    assert 'name="status"' not in client.get("/claims/").text
    client.force_login(alice_journalist)
    html = client.get("/claims/").text
    assert 'name="status"' in html and '<option value="draft">' in html


def test_tag_filter_is_a_checkbox_list_with_a_search_box_for_scripts(client):
    TagFactory(slug="disputed", label="Disputed")
    html = client.get("/claims/").text
    assert 'type="checkbox" name="tag" value="disputed"' in html
    assert 'class="choice-search" hidden' in html
    assert "js/choice-search.js" in html
    assert "<script>" not in html and "style=" not in html


def test_language_choices_are_named(client, alice_journalist):
    html = client.get("/articles/").text
    assert '<option value="fr">French</option>' in html
    client.force_login(alice_journalist)
    assert '<option value="fr">French</option>' in client.get("/articles/add/").text


def test_empty_lists_say_what_to_do(client, alice_journalist):
    assert "No claim yet." in client.get("/claims/").text
    assert "No claim matches these filters." in client.get("/claims/?q=nothing").text
    client.force_login(alice_journalist)
    articles = client.get("/articles/").text
    assert "No article archived yet." in articles and "Add the first one" in articles
    assert "Clear the filters" in client.get("/articles/?q=nothing").text


def test_articles_are_listed_newest_published_first_in_a_stable_order(client):
    """The list's counts (an aggregate) made a GROUP BY query, which Django does not order by
    Meta.ordering: the pages came in the database's order, and paging could repeat or skip."""
    import datetime as dt

    for year in (2020, 2022, 2021):
        CaptureFactory(article__published_at=dt.datetime(year, 1, 1, tzinfo=dt.UTC))

    page = client.get("/articles/").context["page"]

    assert [a.published_at.year for a in page.object_list] == [2022, 2021, 2020]
