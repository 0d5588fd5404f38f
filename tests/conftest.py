import os

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import APIToken
from annotations.models import Annotation
from tests import factories

# The end-to-end tests' servers and workers (news, smtp_sink, receiver, workers).
pytest_plugins = ["tests.e2e"]


def _wanted(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() not in {"", "0", "false", "no"}


# The long suites: a plain `make test` leaves them out so that it stays a quick loop.
LONG_SUITES = ("slow", "browser")


# Fixtures that make a test transactional (committing, the database flushed after it).
TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


def pytest_collection_modifyitems(config, items):
    """Every transactional test rolls back to the migrated state (serialized rollback), and
    tests marked `slow` or `browser` run under CI (CI=true), with CLAIMDESK_SLOW_TESTS=1, or
    when chosen with -m (e.g. `pytest -m browser`); a plain `make test` skips them, saying how
    to run them."""
    for item in items:
        _serialized_when_transactional(item)
    if _wanted("CI") and not config.option.markexpr:
        _once_per_ci_run(items)
    if _wanted("CI") or _wanted("CLAIMDESK_SLOW_TESTS") or config.option.markexpr:
        return
    skip = pytest.mark.skip(reason="long suite: set CLAIMDESK_SLOW_TESTS=1 (CI runs it)")
    for item in items:
        if any(mark in item.keywords for mark in LONG_SUITES):
            item.add_marker(skip)


def _once_per_ci_run(items) -> None:
    """CI runs the suite twice, on SQLite and on PostgreSQL. A long test marked
    `once("<vendor>")` gives the same answer on both (it makes a database of its own, or
    touches none), or answers for the production database only: it runs in one of the two
    passes, the one on that database."""
    vendor = connection.vendor
    for item in items:
        marker = item.get_closest_marker("once")
        if marker and marker.args[0] != vendor:
            reason = f"runs once in CI, in the {marker.args[0]} pass"
            item.add_marker(pytest.mark.skip(reason=reason))


def _serialized_when_transactional(item) -> None:
    """A transactional test's flush without serialized rollback runs post_migrate, which
    writes the content types again under new ids; a serialized-rollback test after it in the
    same process then fails to restore the migrated rows (duplicate content type). So every
    transactional test restores the migrated state, whatever asked for the transaction."""
    marker = item.get_closest_marker("django_db")
    asked = dict(marker.kwargs) if marker else {}
    if asked.get("transaction") or TRANSACTIONAL_FIXTURES & set(item.fixturenames):
        asked.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(**asked), append=False)


@pytest.fixture
def alice_journalist(db):
    return factories.journalist("alice_journalist")


@pytest.fixture
def bob_journalist(db):
    return factories.journalist("bob_journalist")


@pytest.fixture
def erin_editor(db):
    return factories.editor("erin_editor")


@pytest.fixture
def fred_editor(db):
    return factories.editor("fred_editor")


@pytest.fixture
def adam_admin(db):
    return factories.admin_user("adam_admin")


@pytest.fixture
def rita_reader(db):
    """A logged-in user with no role."""
    return factories.UserFactory(username="rita_reader")


@pytest.fixture
def anon():
    return AnonymousUser()


@pytest.fixture
def capture(db):
    return factories.CaptureFactory()


@pytest.fixture
def seeded(db):
    from django.core.management import call_command

    call_command("load_seeds", verbosity=0)


# A world of several users' work


@pytest.fixture
def world(db, alice_journalist, bob_journalist, erin_editor, adam_admin, rita_reader):
    """Alice's claim with her draft annotation (with evidence), hidden from others; her
    submitted annotation on a second claim, which Carol's published one makes public; a
    source with no articles; a tag."""
    capture = factories.CaptureFactory()
    claim = factories.ClaimFactory(created_by=alice_journalist)
    factories.AppearanceFactory(claim=claim, capture=capture)
    draft = factories.AnnotationFactory(claim=claim, author=alice_journalist)
    evidence = factories.EvidenceFactory(annotation=draft)
    other_claim = factories.ClaimFactory(created_by=alice_journalist, text="Second claim")
    submitted = factories.AnnotationFactory(
        claim=other_claim, author=alice_journalist, status=Annotation.Status.SUBMITTED
    )
    factories.AnnotationFactory(
        claim=other_claim,
        author=factories.journalist("carol_journalist"),
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    factories.SourceFactory(slug="empty-outlet", name="Empty outlet")
    factories.TagFactory(slug="disputed", label="Disputed")
    return {
        "capture": capture,
        "claim": claim,
        "draft": draft,
        "evidence": evidence,
        "other_claim": other_claim,
        "submitted": submitted,
        "users": {
            "rita_reader": rita_reader,
            "alice": alice_journalist,
            "bob": bob_journalist,
            "erin": erin_editor,
            "adam": adam_admin,
        },
    }


# API clients


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counters live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _imports_dir(settings, tmp_path_factory):
    # Uploaded import files wait here, never in the working tree.
    settings.CLAIMDESK_IMPORT_DIR = tmp_path_factory.mktemp("imports")


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Call `make_request` and run the jobs it queued, as its commit would (the test's
    transaction never commits); the backend runs them at once."""

    def run(make_request):
        with django_capture_on_commit_callbacks(execute=True):
            return make_request()

    return run


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user(db):
    """An API client logged in (session) as the given user."""

    def client_for(user):
        client = APIClient()
        client.force_login(user)
        return client

    return client_for


@pytest.fixture
def token_client(db):
    """An API client sending a fresh token of `user` (read-only if asked)."""

    def client_for(user, *, read_only=False):
        _, key = APIToken.issue(user=user, name="test", read_only=read_only)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for
