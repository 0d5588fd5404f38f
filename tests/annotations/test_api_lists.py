"""Query counts of the annotation endpoints' lists, at 1 and many claims."""

import pytest

from tests.factories import annotated_claims

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [1, 30])
def test_annotation_list_query_count(api, django_assert_num_queries, count):
    annotated_claims(count)
    # annotations (+ author, reviewer); tags; evidence.
    with django_assert_num_queries(3):
        response = api.get("/api/annotations/?page_size=100")
    assert len(response.json()["results"]) == min(count * 3, 100)


@pytest.mark.parametrize("count", [1, 30])
def test_appearance_evidence_and_tag_list_query_counts(api, django_assert_num_queries, count):
    annotated_claims(count)
    # appearances (+ capture, article, source; visible claims as a subquery)
    with django_assert_num_queries(1):
        assert len(api.get("/api/appearances/?page_size=100").json()["results"]) == count
    # evidence (+ added_by; visible annotations as a subquery)
    with django_assert_num_queries(1):
        response = api.get("/api/evidence/?page_size=100")
        assert len(response.json()["results"]) == min(count * 6, 100)
    # tags
    with django_assert_num_queries(1):
        api.get("/api/tags/")


def test_annotation_detail_has_version_and_etag(api):
    annotation = annotated_claims(1)[0].annotations.first()
    response = api.get(f"/api/annotations/{annotation.pk}/")
    assert response.json()["version"] == annotation.version
    assert response["ETag"] == f'"v{annotation.version}"'
