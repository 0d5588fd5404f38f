"""Changes to an annotation name the version they are based on (428 without one, 412 when
stale), refuse fields they do not accept, keep the version when nothing changes, and check
permission before any precondition, so a refused user learns nothing."""

import pytest
from django.utils import timezone

from annotations.models import Annotation
from journal.models import Entry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(alice_journalist):
    return factories.AnnotationFactory(author=alice_journalist, rationale="First.")


@pytest.fixture
def submitted(alice_journalist):
    return factories.AnnotationFactory(author=alice_journalist, status=Annotation.Status.SUBMITTED)


@pytest.fixture
def published(fred_editor):
    return factories.AnnotationFactory(
        author=fred_editor, status=Annotation.Status.PUBLISHED, published_at=timezone.now()
    )


def state(annotation: Annotation) -> tuple:
    annotation.refresh_from_db()
    return (
        annotation.version,
        annotation.updated_at,
        annotation.status,
        annotation.rationale,
        annotation.deleted_at,
        Entry.objects.about("annotation", annotation.pk).count(),
    )


PRECONDITION_REQUIRED = {
    "detail": "Say which version of the annotation you are changing: send the `version` you "
    "read in the body, or its ETag in an If-Match header."
}


@pytest.mark.parametrize(
    "method, suffix, body",
    [
        ("patch", "", {"rationale": "Overwritten"}),
        ("post", "submit/", {}),
        ("delete", "", None),
    ],
)
def test_an_authors_change_without_a_version_is_428_and_changes_nothing(
    as_user, alice_journalist, draft, method, suffix, body
):
    before = state(draft)
    response = getattr(as_user(alice_journalist), method)(
        f"/api/annotations/{draft.pk}/{suffix}", body, format="json"
    )
    assert response.status_code == 428
    assert response.json() == PRECONDITION_REQUIRED
    assert state(draft) == before


@pytest.mark.parametrize(
    "suffix, body", [("publish/", {}), ("return/", {"comment": "Cite a source."})]
)
def test_a_review_without_a_version_is_428_and_changes_nothing(
    as_user, erin_editor, submitted, suffix, body
):
    before = state(submitted)
    response = as_user(erin_editor).post(
        f"/api/annotations/{submitted.pk}/{suffix}", body, format="json"
    )
    assert response.status_code == 428
    assert response.json() == PRECONDITION_REQUIRED
    assert state(submitted) == before


def test_the_version_in_the_body_or_if_match_is_a_precondition(as_user, alice_journalist, draft):
    client = as_user(alice_journalist)
    by_body = client.patch(
        f"/api/annotations/{draft.pk}/",
        {"rationale": "Second.", "version": draft.version},
        format="json",
    )
    assert by_body.status_code == 200
    by_header = client.delete(
        f"/api/annotations/{draft.pk}/", HTTP_IF_MATCH=f'"v{draft.version + 1}"'
    )
    assert by_header.status_code == 204


@pytest.mark.parametrize(
    "field, value", [("status", "published"), ("version_bump", 1), ("author", "erin_editor")]
)
def test_a_field_the_write_does_not_accept_is_a_400_naming_it(
    as_user, alice_journalist, draft, field, value
):
    before = state(draft)
    response = as_user(alice_journalist).patch(
        f"/api/annotations/{draft.pk}/", {field: value, "version": draft.version}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert "unknown or read-only" in errors[field][0]
    assert state(draft) == before


def test_a_write_that_changes_nothing_keeps_the_version(as_user, alice_journalist, draft):
    before = state(draft)
    response = as_user(alice_journalist).patch(
        f"/api/annotations/{draft.pk}/",
        {
            "rationale": draft.rationale,
            "confidence": float(draft.confidence),
            "tags": sorted(draft.tags.values_list("slug", flat=True)),
            "version": draft.version,
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["version"] == draft.version
    assert response["ETag"] == f'"v{draft.version}"'
    assert state(draft) == before


def test_a_write_that_changes_nothing_still_refuses_a_stale_version(
    as_user, alice_journalist, draft
):
    response = as_user(alice_journalist).patch(
        f"/api/annotations/{draft.pk}/",
        {"rationale": draft.rationale, "version": draft.version + 5},
        format="json",
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == draft.version


# Permission before precondition


@pytest.mark.parametrize(
    "method, suffix, body",
    [
        ("patch", "", {"rationale": "Mine now"}),
        ("post", "submit/", {}),
        ("post", "publish/", {}),
        ("post", "return/", {"comment": "No."}),
        ("delete", "", None),
    ],
)
@pytest.mark.parametrize("if_match", ['"v999"', None])
def test_a_user_who_may_not_change_it_gets_403_whatever_version_they_send(
    as_user, bob_journalist, published, method, suffix, body, if_match
):
    before = state(published)
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}
    response = getattr(as_user(bob_journalist), method)(
        f"/api/annotations/{published.pk}/{suffix}", body, format="json", **headers
    )
    assert response.status_code == 403
    assert "version" not in response.content.decode()
    assert state(published) == before


def test_the_schema_documents_428_on_every_change_to_an_annotation(api):
    paths = api.get("/api/schema/?format=json").json()["paths"]
    for path, method in [
        ("/api/annotations/{id}/", "patch"),
        ("/api/annotations/{id}/", "delete"),
        ("/api/annotations/{id}/submit/", "post"),
        ("/api/annotations/{id}/publish/", "post"),
        ("/api/annotations/{id}/return/", "post"),
    ]:
        responses = paths[path][method]["responses"]
        assert "428" in responses and "412" in responses, (path, method)
        parameters = {p["name"] for p in paths[path][method].get("parameters", [])}
        assert "If-Match" in parameters, (path, method)
