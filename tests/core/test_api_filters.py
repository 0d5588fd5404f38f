"""The API's filter backend builds a view's filter set only for a request that names one of
its parameters; the answers, and the 400s, are those of the filter set."""

import django_filters
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from annotations.filters import ClaimFilter
from annotations.models import Annotation, Claim
from core.api.filters import parameters
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(alice_journalist):
    made = []
    for language in ("fr", "ru", "fr"):
        claim = factories.ClaimFactory(created_by=alice_journalist, language=language)
        factories.AnnotationFactory(
            claim=claim,
            author=alice_journalist,
            status=Annotation.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        made.append(claim)
    return made


@pytest.fixture
def filter_sets_built(monkeypatch):
    built = []
    original = ClaimFilter.__init__

    def init(self, *args, **kwargs):
        built.append(dict(kwargs["data"]))
        original(self, *args, **kwargs)

    monkeypatch.setattr(ClaimFilter, "__init__", init)
    return built


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [claim["id"] for claim in response.json()["results"]]


def test_a_page_without_filters_builds_no_filter_set(claims, filter_sets_built):
    client = APIClient()
    first = client.get("/api/claims/?page_size=2")
    second = client.get(first.json()["next"])
    assert ids(first) + ids(second) == [claim.pk for claim in reversed(claims)]
    assert client.get("/api/claims/?ordering=id&unknown=1").status_code == 200
    assert filter_sets_built == []


def test_a_filter_given_builds_the_filter_set_and_filters(claims, filter_sets_built):
    response = APIClient().get("/api/claims/?language=fr&page_size=10")
    assert ids(response) == [claims[2].pk, claims[0].pk]
    assert len(filter_sets_built) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [("language=", "language"), ("source_edited=maybe", "source_edited"), ("q=" + "a" * 201, "q")],
)
def test_a_filter_given_empty_or_malformed_is_still_a_400(claims, query, field):
    response = APIClient().get(f"/api/claims/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_ordering_and_cursor_are_checked_only_when_given_and_then_as_before(claims):
    client = APIClient()
    assert client.get("/api/claims/?ordering=text").status_code == 400
    assert client.get("/api/claims/?cursor=zz").status_code == 400
    assert ids(client.get("/api/claims/?ordering=id")) == [claim.pk for claim in claims]


def test_a_filter_set_reading_parameters_of_other_names_is_always_built():
    class Ranged(django_filters.FilterSet):
        created = django_filters.DateTimeFromToRangeFilter()  # created_after, created_before

        class Meta:
            model = Claim
            fields = []

    assert parameters(Ranged) is None
    assert "language" in parameters(ClaimFilter)
