import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Annotation, TagPattern
from tests.annotations.test_insertions import archive_seed_fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary():
    call_command("load_seeds", stdout=io.StringIO())


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_editors_add_list_and_remove_a_tags_patterns(vocabulary, erin_editor):
    url = "/api/tags/unverified/patterns/"
    created = api(erin_editor).post(
        url, {"language": "fr", "phrase": "selon des rumeurs"}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body == {"id": body["id"], "language": "fr", "phrase": "selon des rumeurs"}
    listed = api().get(url).json()
    assert body in listed
    gone = api(erin_editor).delete(f"{url}{body['id']}/")
    assert gone.status_code == 204
    assert not TagPattern.objects.filter(pk=body["id"]).exists()


def test_journalists_and_anonymous_users_cannot_write_patterns(vocabulary, alice_journalist):
    url = "/api/tags/unverified/patterns/"
    data = {"language": "fr", "phrase": "selon des rumeurs"}
    assert api(alice_journalist).post(url, data, format="json").status_code == 403
    assert api().post(url, data, format="json").status_code in (401, 403)
    pattern = TagPattern.objects.filter(tag__slug="unverified").first()
    assert api(alice_journalist).delete(f"{url}{pattern.pk}/").status_code == 403


@pytest.mark.parametrize(
    "data",
    [{}, {"language": "fr"}, {"language": "not a code", "phrase": "x"}, {"phrase": ""}],
)
def test_invalid_patterns_answer_400(vocabulary, erin_editor, data):
    response = api(erin_editor).post("/api/tags/unverified/patterns/", data, format="json")
    assert response.status_code == 400


def test_a_duplicate_pattern_answers_400(vocabulary, erin_editor):
    data = {"language": "fr", "phrase": "décision unilatérale"}
    response = api(erin_editor).post("/api/tags/unilateral-decision/patterns/", data, format="json")
    assert response.status_code == 400


def test_tagging_a_capture_marks_its_headline_and_tags_the_users_annotation(
    vocabulary, alice_journalist
):
    capture = archive_seed_fresh()
    annotation = services.tag_capture(
        user=alice_journalist, capture=capture, tag="spun-or-garbled-text", rationale="why"
    )
    assert annotation.claim.appearances.get().quote == capture.text.splitlines()[0]
    assert [t.slug for t in annotation.tags.all()] == ["spun-or-garbled-text"]
    again = services.tag_capture(
        user=alice_journalist, capture=capture, tag="spun-or-garbled-text", rationale="why"
    )
    assert again.pk == annotation.pk
    assert Annotation.objects.filter(author=alice_journalist).count() == 1


def test_readers_cannot_tag_a_capture(vocabulary, rita_reader):
    capture = archive_seed_fresh()
    with pytest.raises(PermissionDenied):
        services.tag_capture(
            user=rita_reader, capture=capture, tag="spun-or-garbled-text", rationale=""
        )


def test_the_tag_capture_page_refuses_a_tag_the_analysis_does_not_suggest(
    client, vocabulary, alice_journalist
):
    capture = archive_seed_fresh()
    client.force_login(alice_journalist)
    response = client.post(
        f"/articles/{capture.article_id}/tag-capture/",
        {"capture": capture.pk, "tag": "disputed"},
        follow=True,
    )
    assert "does not suggest" in response.content.decode()
    assert not Annotation.objects.filter(author=alice_journalist).exists()


def test_the_tag_capture_page_needs_a_login(client, vocabulary):
    capture = archive_seed_fresh()
    before = Annotation.objects.count()
    response = client.post(
        f"/articles/{capture.article_id}/tag-capture/", {"tag": "spun-or-garbled-text"}
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Annotation.objects.count() == before


def test_marking_carries_suggested_tags_to_the_annotation_form(
    client, vocabulary, alice_journalist
):
    capture = archive_seed_fresh()
    start = capture.text.index("Aucune raison officielle")
    end = capture.text.index("kirghizes.") + len("kirghizes.")
    client.force_login(alice_journalist)
    mark_url = f"/articles/{capture.article_id}/mark/"
    page = client.get(
        mark_url,
        {
            "capture": capture.pk,
            "start": start,
            "end": end,
            "tags": ["no-official-reason-given", "nope"],
        },
    )
    html = page.content.decode()
    assert '<input type="hidden" name="tags" value="no-official-reason-given">' in html
    assert 'value="nope"' not in html
    response = client.post(
        mark_url,
        {
            "capture": capture.pk,
            "start": start,
            "end": end,
            "quote": capture.text[start:end],
            "claim": "new",
            "text": capture.text[start:end],
            "language": "fr",
            "tags": ["no-official-reason-given"],
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?tags=no-official-reason-given")
    form = client.get(response["Location"]).content.decode()
    assert 'id="tag-no-official-reason-given" checked' in form
    assert 'id="tag-unilateral-decision" checked' not in form
