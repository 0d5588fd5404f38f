"""/api/watches/ (editors) and POST /api/articles/{id}/recapture/: whole payloads, validation,
roles, the journal, and a check asked for then done by a worker."""

import pytest
from django.utils import timezone

from archive.models import Article
from journal.models import Entry
from tests.factories import ArticleFactory, SourceFactory
from watching.models import Recapture, Watch
from watching.schedule import run_due

from .conftest import rss
from .conftest import story as page

pytestmark = pytest.mark.django_db

FEED = "https://news.example.org/feed.xml"


def iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def payload(watch: Watch) -> dict:
    return {
        "id": watch.pk,
        "url": watch.url,
        "kind": watch.kind,
        "source": watch.source.slug if watch.source else None,
        "interval_seconds": watch.interval_seconds,
        "last_checked_at": iso(watch.last_checked_at),
        "next_check_at": iso(watch.next_check_at),
        "last_error": watch.last_error,
        "articles_found": watch.articles_found,
        "active": watch.active,
    }


@pytest.fixture
def editor_api(as_user, erin_editor):
    return as_user(erin_editor)


def test_an_editor_creates_a_watch_and_gets_it_whole(editor_api, erin_editor):
    SourceFactory(slug="le-journal")

    response = editor_api.post(
        "/api/watches/",
        {"url": FEED, "kind": "feed", "source": "le-journal", "interval_seconds": 900},
        format="json",
    )

    assert response.status_code == 201, response.json()
    watch = Watch.objects.get()
    assert response.json() == payload(watch)
    assert response.json()["source"] == "le-journal"
    assert response.json()["last_checked_at"] is None
    assert response.json()["active"] is True
    entry = Entry.objects.get(kind="watch")
    assert (entry.object_id, entry.action, entry.actor_name) == (
        watch.pk,
        "created",
        "erin_editor",
    )
    assert {c["field"]: c["to"] for c in entry.changes} == {
        "url": FEED,
        "kind": "feed",
        "source": watch.source_id,
        "interval_seconds": 900,
        "active": True,
    }


def test_a_watch_is_checked_hourly_with_no_source_by_default(editor_api):
    response = editor_api.post("/api/watches/", {"url": FEED, "kind": "page"}, format="json")

    assert response.status_code == 201
    assert (response.json()["interval_seconds"], response.json()["source"]) == (3600, None)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"url": FEED, "kind": "feed", "interval_seconds": 299},
            "interval_seconds",
            "Checks must be at least 300 seconds (5 minutes) apart: "
            "interval_seconds must be at least 300.",
        ),
        (
            {"url": "ftp://example.org/feed", "kind": "feed"},
            "url",
            "Enter a web address starting with http:// or https://.",
        ),
        ({"url": "not a url", "kind": "feed"}, "url", None),
        ({"url": FEED, "kind": "podcast"}, "kind", '"podcast" is not a valid choice.'),
        (
            {"url": FEED, "kind": "feed", "source": "nowhere"},
            "source",
            "Object with slug=nowhere does not exist.",
        ),
        (
            {"url": "http://127.0.0.1:8000/feed", "kind": "feed"},
            "url",
            "127.0.0.1 is a non-public address (127.0.0.1); fetching it is not allowed",
        ),
        (
            {"url": "http://10.1.2.3/feed", "kind": "page"},
            "url",
            "10.1.2.3 is a non-public address (10.1.2.3); fetching it is not allowed",
        ),
    ],
)
def test_an_invalid_watch_is_refused_naming_the_field(editor_api, body, field, message):
    response = editor_api.post("/api/watches/", body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert not Watch.objects.exists()


def test_the_same_address_is_watched_once(editor_api):
    Watch.objects.create(url=FEED, kind="feed")

    response = editor_api.post("/api/watches/", {"url": FEED, "kind": "feed"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"url": ["This address is watched already."]}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anon", 401), ("read_only_token", 403), ("alice_journalist", 403)],
)
def test_only_editors_see_or_make_watches(
    persona, status, api, as_user, token_client, alice_journalist, erin_editor
):
    Watch.objects.create(url=FEED, kind="feed")
    client = {
        "anon": lambda: api,
        "read_only_token": lambda: token_client(erin_editor, read_only=True),
        "alice_journalist": lambda: as_user(alice_journalist),
    }[persona]()

    assert client.get("/api/watches/").status_code == status
    response = client.post("/api/watches/", {"url": FEED + "?2", "kind": "feed"}, format="json")
    assert response.status_code == status
    assert Watch.objects.count() == 1


@pytest.mark.parametrize("count", [1, 6])
def test_the_watch_list_costs_the_same_queries_at_any_length(
    editor_api, django_assert_num_queries, count
):
    source = SourceFactory()
    for n in range(count):
        Watch.objects.create(url=f"{FEED}?{n}", kind="feed", source=source)
    # session, user, the user's groups (the role), the page of watches with their sources
    with django_assert_num_queries(4):
        response = editor_api.get("/api/watches/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == count
    assert response.json()["results"][0] == payload(Watch.objects.order_by("-pk").first())


def test_a_watchs_detail_is_its_payload(editor_api):
    watch = Watch.objects.create(url=FEED, kind="feed", last_error="the server answered HTTP 503")

    response = editor_api.get(f"/api/watches/{watch.pk}/")

    assert response.status_code == 200
    assert response.json() == payload(watch)


def test_patch_pauses_a_watch_and_the_journal_says_so(editor_api):
    watch = Watch.objects.create(url=FEED, kind="feed")

    response = editor_api.patch(f"/api/watches/{watch.pk}/", {"active": False}, format="json")

    assert response.status_code == 200
    watch.refresh_from_db()
    assert response.json() == payload(watch)
    assert watch.active is False
    entry = Entry.objects.get(kind="watch")
    assert (entry.action, entry.changes) == (
        "paused",
        [{"field": "active", "from": True, "to": False}],
    )


def test_patch_refuses_a_short_interval(editor_api):
    watch = Watch.objects.create(url=FEED, kind="feed")

    response = editor_api.patch(
        f"/api/watches/{watch.pk}/", {"interval_seconds": 60}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["interval_seconds"]


def test_delete_removes_a_watch_and_the_journal_keeps_what_it_was(editor_api):
    watch = Watch.objects.create(url=FEED, kind="page", interval_seconds=600)

    response = editor_api.delete(f"/api/watches/{watch.pk}/")

    assert response.status_code == 204
    assert not Watch.objects.exists()
    entry = Entry.objects.get(kind="watch", action="deleted")
    assert entry.object_id == watch.pk
    assert {c["field"]: (c["from"], c["to"]) for c in entry.changes} == {
        "url": (FEED, None),
        "kind": ("page", None),
        "interval_seconds": (600, None),
        "active": (True, None),
    }


def test_check_now_answers_202_and_a_worker_then_checks_it(editor_api, news):
    story = news.serve(
        "/a/1", page("Un", "Un texte assez long pour être extrait.\nEt un second paragraphe.")
    )
    feed = news.serve("/feed.xml", rss([("urn:1", story, "Un")]))
    later = timezone.now() + timezone.timedelta(hours=1)
    watch = Watch.objects.create(url=feed, kind="feed", next_check_at=later)
    assert run_due() == 0

    response = editor_api.post(f"/api/watches/{watch.pk}/check/")

    assert response.status_code == 202
    watch.refresh_from_db()
    assert response.json() == payload(watch)
    assert watch.next_check_at <= timezone.now()
    assert Entry.objects.get(kind="watch").action == "check_requested"
    assert run_due() == 1
    watch.refresh_from_db()
    assert (watch.articles_found, watch.last_error) == (1, "")
    assert Article.objects.get().url == story


def test_an_editor_asks_for_a_recapture(editor_api):
    article = ArticleFactory()

    response = editor_api.post(f"/api/articles/{article.pk}/recapture/")

    assert response.status_code == 202
    recapture = Recapture.objects.get()
    assert response.json() == {
        "article": article.pk,
        "next_check_at": iso(recapture.next_check_at),
        "last_checked_at": None,
        "last_error": "",
        "checks": 0,
        "captures": 0,
    }
    entry = Entry.objects.get(kind="article", action="recapture_requested")
    assert (entry.object_id, entry.actor_name) == (article.pk, "erin_editor")


def test_an_article_with_no_address_cannot_be_recaptured(editor_api):
    article = ArticleFactory(url="")

    response = editor_api.post(f"/api/articles/{article.pk}/recapture/")

    assert response.status_code == 400
    assert "no web address" in response.json()["detail"]


def test_a_journalist_cannot_ask_for_a_recapture(as_user, alice_journalist):
    article = ArticleFactory()

    response = as_user(alice_journalist).post(f"/api/articles/{article.pk}/recapture/")

    assert response.status_code == 403
    assert not Recapture.objects.exists()


def test_a_paused_watch_is_resumed_rather_than_checked(editor_api):
    watch = Watch.objects.create(url=FEED, kind="feed", active=False)

    response = editor_api.post(f"/api/watches/{watch.pk}/check/")

    assert response.status_code == 409
    assert response.json() == {"detail": "This watch is paused: resume it to have it checked."}
    assert not Entry.objects.exists()
