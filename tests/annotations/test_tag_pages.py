"""The tag vocabulary page: everyone reads the tags and their patterns; editors add and
remove patterns there."""

import pytest

from annotations.models import TagPattern
from journal.models import Entry
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputed(db):
    tag = TagFactory(slug="disputed", label="Disputed", category="sourcing")
    TagPattern.objects.create(tag=tag, language="fr", phrase="démenti")
    return tag


def test_the_page_lists_tags_with_their_patterns_by_language(client, disputed):
    TagPattern.objects.create(tag=disputed, language="en", phrase="denied")

    response = client.get("/tags/")

    assert response.status_code == 200
    page = response.text
    assert "Disputed" in page and "disputed" in page and "sourcing" in page
    assert "French" in page and "démenti" in page
    assert "English" in page and "denied" in page
    assert "Add a pattern" not in page  # only editors curate


def test_an_editor_adds_a_pattern_and_the_change_is_journaled(client, erin_editor, disputed):
    client.force_login(erin_editor)

    response = client.post(
        "/tags/disputed/patterns/", {"language": "fr", "phrase": "  formellement   démenti "}
    )

    assert response.status_code == 302
    assert response["Location"] == "/tags/#tag-disputed"
    assert TagPattern.objects.filter(tag=disputed, language="fr", phrase="formellement démenti")
    entry = Entry.objects.filter(kind="tag", object_id=disputed.pk).latest("pk")
    assert entry.actor == erin_editor
    page = client.get("/tags/").text
    assert "formellement démenti" in page and "Add a pattern to Disputed" in page


def test_an_editor_removes_a_pattern(client, erin_editor, disputed):
    pattern = disputed.patterns.get()
    client.force_login(erin_editor)

    response = client.post(f"/tags/disputed/patterns/{pattern.pk}/remove/")

    assert response.status_code == 302
    assert not TagPattern.objects.filter(pk=pattern.pk).exists()
    assert Entry.objects.filter(kind="tag", object_id=disputed.pk).exists()


def test_a_duplicate_or_empty_pattern_comes_back_with_its_error(client, erin_editor, disputed):
    client.force_login(erin_editor)

    duplicate = client.post("/tags/disputed/patterns/", {"language": "fr", "phrase": "démenti"})
    empty = client.post("/tags/disputed/patterns/", {"language": "xx", "phrase": ""})

    assert duplicate.status_code == 400
    assert "already has this pattern" in duplicate.text
    assert empty.status_code == 400
    assert "This field is required" in empty.text
    assert disputed.patterns.count() == 1
    assert not Entry.objects.filter(kind="tag").exists()


def test_a_journalist_cannot_change_patterns(client, alice_journalist, disputed):
    pattern = disputed.patterns.get()
    client.force_login(alice_journalist)

    added = client.post("/tags/disputed/patterns/", {"language": "fr", "phrase": "contesté"})
    removed = client.post(f"/tags/disputed/patterns/{pattern.pk}/remove/")

    assert added.status_code == 403 and removed.status_code == 403
    assert list(disputed.patterns.values_list("phrase", flat=True)) == ["démenti"]
    assert not Entry.objects.filter(kind="tag").exists()


def test_anonymous_visitors_are_sent_to_log_in_to_write(client, disputed):
    response = client.post("/tags/disputed/patterns/", {"language": "fr", "phrase": "contesté"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert disputed.patterns.count() == 1


def test_unknown_tags_and_patterns_answer_404(client, erin_editor, disputed):
    client.force_login(erin_editor)
    other = TagFactory(slug="other")
    pattern = disputed.patterns.get()

    assert client.post("/tags/nope/patterns/", {"language": "fr", "phrase": "x"}).status_code == 404
    assert client.post(f"/tags/other/patterns/{pattern.pk}/remove/").status_code == 404
    assert client.get("/tags/disputed/patterns/").status_code == 405
    assert other.patterns.count() == 0


# The login, the roles and the navigation's review and unread notifications counts, then the
# tags and their patterns.
PAGE_QUERIES = 7


def test_the_query_count_does_not_grow_with_the_tags(
    client, erin_editor, disputed, django_assert_num_queries
):
    client.force_login(erin_editor)
    with django_assert_num_queries(PAGE_QUERIES):
        client.get("/tags/")
    for index in range(5):
        tag = TagFactory(slug=f"tag-{index}", label=f"Tag {index}")
        TagPattern.objects.create(tag=tag, language="en", phrase=f"phrase {index}")
        TagPattern.objects.create(tag=tag, language="de", phrase=f"Satz {index}")

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get("/tags/")

    assert response.status_code == 200
    assert "Satz 4" in response.text
