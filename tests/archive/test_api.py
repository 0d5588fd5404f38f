"""Archive endpoints: sources, articles and captures; their list query counts."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_source_detail_by_slug(api):
    source = factories.SourceFactory(slug="le-monde", name="Le Monde", domains=["lemonde.fr"])
    response = api.get("/api/sources/le-monde/")
    assert response.status_code == 200
    assert response.json() == {
        "id": source.pk,
        "slug": "le-monde",
        "name": "Le Monde",
        "domains": ["lemonde.fr"],
        "country": "FR",
        "language": "fr",
        "notes": "",
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }


def test_admin_creates_a_source_and_its_fields_are_cleaned(as_user, adam_admin):
    response = as_user(adam_admin).post(
        "/api/sources/",
        {"slug": "kloop", "name": "Kloop", "country": "kg", "domains": ["Kloop.KG"]},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["country"], response.json()["domains"]) == ("KG", ["kloop.kg"])


def test_article_captures_list_without_their_text(api, capture):
    newer = factories.CaptureFactory(article=capture.article, text=capture.text + " Mis à jour.")
    response = api.get(f"/api/articles/{capture.article_id}/captures/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [c["id"] for c in results] == [capture.pk, newer.pk]
    assert results[0]["length"] == len(capture.text)
    assert "text" not in results[0]
    detail = api.get(f"/api/captures/{capture.pk}/").json()
    assert detail["text"] == capture.text
    assert detail["sha256"] == capture.sha256


def test_article_filters(api):
    kept = factories.ArticleFactory(source=factories.SourceFactory(slug="kloop"), language="ru")
    factories.ArticleFactory()
    assert [a["id"] for a in api.get("/api/articles/?source=kloop").json()["results"]] == [kept.pk]
    assert [a["id"] for a in api.get("/api/articles/?language=ru").json()["results"]] == [kept.pk]


def test_unknown_article_is_a_json_404(api):
    response = api.get("/api/articles/999999/captures/")
    assert response.status_code == 404
    assert response.json()["detail"]
    response = api.get("/api/articles/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("count", [1, 30])
def test_archive_list_query_counts(api, django_assert_num_queries, count):
    article = factories.ArticleFactory()
    for i in range(count):
        factories.CaptureFactory(article=article, text=f"Version {i} of the text.")
        factories.ArticleFactory()
    # sources (each article above brought its own)
    with django_assert_num_queries(1):
        assert len(api.get("/api/sources/?page_size=100").json()["results"]) == count + 1
    # articles (+ source, latest capture as a subquery)
    with django_assert_num_queries(1):
        assert len(api.get("/api/articles/?page_size=100").json()["results"]) == count + 1
    # captures
    with django_assert_num_queries(1):
        assert len(api.get("/api/captures/?page_size=100").json()["results"]) == count
    # the article; its captures
    with django_assert_num_queries(2):
        response = api.get(f"/api/articles/{article.pk}/captures/?page_size=100")
        assert len(response.json()["results"]) == count
