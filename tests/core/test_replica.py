"""The read replica: settings parsed from the environment, and the router's decisions —
anonymous and read-only-token reads on the replica, everything else and every reader after a
write on the primary. The suite's "replica" alias is a test mirror of the test database, so
these run on SQLite and PostgreSQL alike."""

import runpy
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from annotations.models import Annotation, Claim
from core import replica
from tests import factories

SETTINGS_FILE = Path(settings.BASE_DIR, "config", "settings.py")
PRIMARY_URL = "postgres://claimdesk@db-primary.internal:5432/claimdesk"
REPLICA_URL = "postgres://claimdesk@db-replica.internal:5432/claimdesk"
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "DATABASE_POOL",
    "DATABASE_POOL_MIN_SIZE",
    "DATABASE_POOL_MAX_SIZE",
    "DATABASE_POOL_TIMEOUT",
    "DATABASE_CONN_MAX_AGE",
    "DISABLE_SERVER_SIDE_CURSORS",
    "DATABASE_PARALLEL_WORKERS",
    "CLAIMDESK_READ_YOUR_WRITES_SECONDS",
)


def production_settings(**environ) -> dict:
    """config/settings.py evaluated afresh under `environ`, as an app server reads it."""
    with pytest.MonkeyPatch.context() as patch:
        for name in SETTINGS_VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in environ.items():
            patch.setenv(name, value)
        patch.setattr("sys.argv", ["gunicorn"])
        patch.delitem(sys.modules, "pytest")
        return runpy.run_path(str(SETTINGS_FILE))


# Settings


def test_without_a_replica_url_there_is_one_database_and_the_router_is_off():
    configured = production_settings(DATABASE_URL=PRIMARY_URL)
    assert list(configured["DATABASES"]) == ["default"]
    assert configured["CLAIMDESK_READ_REPLICA"] is False
    assert replica.ReplicaRouter().db_for_read(Claim) is None
    assert replica.ReplicaRouter().db_for_write(Claim) is None


def test_a_replica_url_adds_the_replica_alias_with_the_same_connection_handling():
    configured = production_settings(DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=REPLICA_URL)
    databases = configured["DATABASES"]
    assert configured["CLAIMDESK_READ_REPLICA"] is True
    assert (databases["default"]["HOST"], databases["replica"]["HOST"]) == (
        "db-primary.internal",
        "db-replica.internal",
    )
    for alias in ("default", "replica"):
        assert databases[alias]["CONN_MAX_AGE"] == 60
        assert databases[alias]["CONN_HEALTH_CHECKS"] is True
        assert databases[alias]["DISABLE_SERVER_SIDE_CURSORS"] is False
        assert "pool" not in databases[alias].get("OPTIONS", {})
    assert configured["CLAIMDESK_READ_YOUR_WRITES_SECONDS"] == 10


def test_database_pool_replaces_persistent_connections_on_every_alias():
    databases = production_settings(
        DATABASE_URL=PRIMARY_URL,
        DATABASE_REPLICA_URL=REPLICA_URL,
        DATABASE_POOL="1",
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE="4",
    )["DATABASES"]
    for alias in ("default", "replica"):
        assert databases[alias]["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10}
        # Django refuses a pool together with persistent connections.
        assert databases[alias]["CONN_MAX_AGE"] == 0


def test_queries_start_no_parallel_workers_unless_told_and_the_server_decides_when_empty():
    def options(**environ) -> list[dict]:
        databases = production_settings(
            DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=REPLICA_URL, **environ
        )["DATABASES"]
        return [databases[alias].get("OPTIONS", {}) for alias in ("default", "replica")]

    for alias_options in options():
        assert alias_options["options"] == "-c max_parallel_workers_per_gather=0"
    for alias_options in options(DATABASE_PARALLEL_WORKERS="2"):
        assert alias_options["options"] == "-c max_parallel_workers_per_gather=2"
    for alias_options in options(DATABASE_PARALLEL_WORKERS=""):
        assert "options" not in alias_options
    with pytest.raises(ImproperlyConfigured, match="DATABASE_PARALLEL_WORKERS"):
        options(DATABASE_PARALLEL_WORKERS="many")


def test_a_connection_starts_with_no_parallel_workers(db):
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)


def test_server_side_cursors_can_be_switched_off_for_pgbouncer():
    databases = production_settings(
        DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=REPLICA_URL, DISABLE_SERVER_SIDE_CURSORS="1"
    )["DATABASES"]
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases["replica"]["DISABLE_SERVER_SIDE_CURSORS"] is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"DATABASE_REPLICA_URL": REPLICA_URL},
            "DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL",
        ),
        (
            {"DATABASE_URL": PRIMARY_URL, "DATABASE_REPLICA_URL": "sqlite:///replica.db"},
            "DATABASE_REPLICA_URL must be a postgres:// URL",
        ),
        (
            {"DATABASE_URL": PRIMARY_URL, "DATABASE_POOL": "1", "DATABASE_POOL_MIN_SIZE": "11"},
            "DATABASE_POOL_MIN_SIZE must not exceed DATABASE_POOL_MAX_SIZE",
        ),
        (
            {"DATABASE_URL": PRIMARY_URL, "DATABASE_POOL": "1", "DATABASE_POOL_MAX_SIZE": "x"},
            "DATABASE_POOL_MAX_SIZE must be a whole number",
        ),
        ({"CLAIMDESK_READ_YOUR_WRITES_SECONDS": "soon"}, "CLAIMDESK_READ_YOUR_WRITES_SECONDS"),
    ],
)
def test_bad_database_settings_stop_start_up_naming_the_variable(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        production_settings(**environ)


def test_deploy_check_is_clean_with_a_replica_and_the_pool():
    from tests.test_project import run_manage

    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SECRET_KEY": "x" * 30 + "production-like-secret-key-" + "y" * 30,
            "DJANGO_ALLOWED_HOSTS": "claimdesk.example.org",
            "DATABASE_URL": PRIMARY_URL,
            "DATABASE_REPLICA_URL": REPLICA_URL,
            "DATABASE_POOL": "1",
            "DISABLE_SERVER_SIDE_CURSORS": "1",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


# The router's decisions, request by request


@pytest.fixture
def replica_on(settings):
    settings.CLAIMDESK_READ_REPLICA = True
    settings.CLAIMDESK_READ_YOUR_WRITES_SECONDS = 10
    return settings


def reads_of(request) -> tuple[str, HttpResponse]:
    """Where a request's reads go (asked in the middle of the view), and its response."""
    seen = []

    def view(request):
        seen.append(router.db_for_read(Claim))
        return HttpResponse(status=200)

    response = replica.ReplicaRoutingMiddleware(view)(request)
    return seen[0], response


def test_anonymous_reads_go_to_the_replica(replica_on):
    request = RequestFactory().get("/api/claims/")
    request.user = AnonymousUser()
    alias, response = reads_of(request)
    assert alias == "replica"
    assert replica.COOKIE not in response.cookies


def test_writes_go_to_the_primary_and_mark_the_client(replica_on):
    request = RequestFactory().post("/api/claims/")
    request.user = AnonymousUser()
    alias, response = reads_of(request)
    assert alias == "default"
    assert router.db_for_write(Claim) == "default"
    assert response.cookies[replica.COOKIE]["max-age"] == 10


@pytest.mark.django_db
def test_logged_in_users_read_from_the_primary(replica_on, alice_journalist):
    request = RequestFactory().get("/api/claims/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    request.user = alice_journalist
    assert reads_of(request)[0] == "default"


def test_a_client_that_just_wrote_reads_from_the_primary_until_the_mark_expires(
    replica_on, monkeypatch
):
    written = RequestFactory().post("/api/annotations/1/")
    written.user = AnonymousUser()
    mark = reads_of(written)[1].cookies[replica.COOKIE].value

    def read_at(seconds_later: float) -> str:
        request = RequestFactory().get("/api/claims/")
        request.user = AnonymousUser()
        request.COOKIES[replica.COOKIE] = mark
        now = signing.time.time()
        monkeypatch.setattr(signing.time, "time", lambda: now + seconds_later)
        try:
            return reads_of(request)[0]
        finally:
            monkeypatch.undo()

    assert read_at(0) == "default"
    assert read_at(9) == "default"
    assert read_at(11) == "replica"


def test_a_forged_mark_is_ignored(replica_on):
    request = RequestFactory().get("/api/claims/")
    request.user = AnonymousUser()
    request.COOKIES[replica.COOKIE] = "1"
    assert reads_of(request)[0] == "replica"


def test_a_write_recorded_during_a_read_request_pins_it_to_the_primary(replica_on):
    def view(request):
        before = router.db_for_read(Claim)
        replica.note_write()
        return HttpResponse(f"{before} {router.db_for_read(Claim)}")

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = replica.ReplicaRoutingMiddleware(view)(request)
    assert response.content == b"replica default"
    assert replica.COOKIE in response.cookies


def test_reads_inside_a_transaction_on_the_primary_stay_there(replica_on, db):
    def view(request):
        with transaction.atomic():
            inside = router.db_for_read(Claim)
        return HttpResponse(f"{inside} {router.db_for_read(Claim)}")

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    # The test itself runs in a transaction on the primary; leave it for the question.
    connections["default"].in_atomic_block, outer = False, connections["default"].in_atomic_block
    try:
        response = replica.ReplicaRoutingMiddleware(view)(request)
    finally:
        connections["default"].in_atomic_block = outer
    assert response.content == b"default replica"


def test_outside_a_request_reads_go_to_the_primary(replica_on):
    assert router.db_for_read(Claim) == "default"


def test_without_a_replica_the_middleware_leaves_the_response_alone(settings):
    settings.CLAIMDESK_READ_REPLICA = False
    request = RequestFactory().post("/api/claims/")
    request.user = AnonymousUser()
    alias, response = reads_of(request)
    assert alias == "default"  # Django's own default, the router answering nothing
    assert replica.COOKIE not in response.cookies


# Whole requests, counted on each connection

pytestmark_requests = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "replica"]
)


@pytest.fixture
def published_claim():
    claim = factories.ClaimFactory()
    factories.AppearanceFactory(claim=claim)
    factories.AnnotationFactory(
        claim=claim, status=Annotation.Status.PUBLISHED, published_at=timezone.now()
    )
    return claim


def queries_on_each(client, method: str, path: str, **extra) -> tuple[int, int, object]:
    """(queries on the primary, queries on the replica, response) for one request."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as on_replica,
    ):
        response = getattr(client, method)(path, **extra)
    return len(primary), len(on_replica), response


@pytestmark_requests
def test_an_anonymous_list_is_read_entirely_from_the_replica(replica_on, published_claim):
    primary, on_replica, response = queries_on_each(APIClient(), "get", "/api/claims/")
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == published_claim.pk
    assert (primary, on_replica > 0) == (0, True)


@pytestmark_requests
def test_an_anonymous_export_streams_from_the_replica(replica_on, published_claim):
    primary, on_replica, response = queries_on_each(APIClient(), "get", "/api/claims/export.jsonl")
    with (
        CaptureQueriesContext(connections["default"]) as streaming_primary,
        CaptureQueriesContext(connections["replica"]) as streaming_replica,
    ):
        body = b"".join(response.streaming_content)
    assert str(published_claim.pk) in body.decode()
    assert (primary + len(streaming_primary), on_replica + len(streaming_replica) > 0) == (
        0,
        True,
    )


@pytestmark_requests
def test_a_read_only_token_reads_from_the_replica_once_recognised(
    replica_on, published_claim, token_client
):
    client = token_client(factories.journalist("ines_journalist"), read_only=True)
    primary, on_replica, response = queries_on_each(client, "get", "/api/claims/")
    assert response.status_code == 200
    # The primary: the token's lookup and its last-used time; then the replica.
    assert (primary, on_replica > 0) == (2, True)


@pytestmark_requests
def test_a_journalist_reads_only_from_the_primary(
    replica_on, published_claim, alice_journalist, as_user
):
    primary, on_replica, response = queries_on_each(
        as_user(alice_journalist), "get", "/api/claims/"
    )
    assert response.status_code == 200
    assert (primary > 0, on_replica) == (True, 0)


@pytestmark_requests
def test_after_an_edit_the_same_browser_reads_from_the_primary_even_logged_out(
    replica_on, alice_journalist, as_user
):
    draft = factories.AnnotationFactory(author=alice_journalist)
    alice = as_user(alice_journalist)
    edited = alice.patch(
        f"/api/annotations/{draft.pk}/",
        {"rationale": "Checked twice.", "version": draft.version},
        format="json",
    )
    assert edited.status_code == 200
    assert replica.COOKIE in edited.cookies
    # The same browser, logged out (its session gone, the mark kept).
    logged_out = APIClient()
    logged_out.cookies[replica.COOKIE] = edited.cookies[replica.COOKIE].value
    primary, on_replica, response = queries_on_each(logged_out, "get", "/api/claims/")
    assert response.status_code == 200
    assert (primary > 0, on_replica) == (True, 0)
    # Another anonymous client, with no mark, reads the replica.
    primary, on_replica, _ = queries_on_each(APIClient(), "get", "/api/claims/")
    assert (primary, on_replica > 0) == (0, True)


@pytestmark_requests
def test_a_refused_write_does_not_mark_the_client(replica_on, published_claim):
    client = APIClient()
    response = client.post("/api/claims/", {"text": "x"}, format="json")
    assert response.status_code == 401
    assert replica.COOKIE not in response.cookies
