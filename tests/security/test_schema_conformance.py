"""The OpenAPI schema states the constraints the server enforces: schemathesis generates
requests from it and runs every check it has — no server error, and also valid data accepted,
invalid data refused, statuses, headers and bodies as documented — as an editor, a journalist
and an anonymous reader. Bounded to stay quick: a few cases per operation and role."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.models import APIToken
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = int(os.environ.get("CLAIMDESK_CONFORMANCE_EXAMPLES", "1"))

# Requests whose acceptance depends on what is stored, which no schema can state: they name
# other objects by id or slug (which must exist and be visible), quote a capture's text at
# given offsets, or must be unique (one annotation per author and claim, tag slugs). For
# these, a schema-valid request may rightly be a 400, so every check but "valid data is
# accepted" runs on them.
STATEFUL_WRITES = {
    ("POST", "/api/claims/"),
    ("POST", "/api/appearances/"),
    ("POST", "/api/annotations/"),
    ("POST", "/api/evidence/"),
    ("POST", "/api/articles/"),
    ("POST", "/api/articles/{id}/captures/"),
    ("POST", "/api/tags/"),
    ("POST", "/api/sources/"),
    ("PATCH", "/api/tags/{slug}/"),
    ("PATCH", "/api/sources/{slug}/"),
    # An import's source names a stored one, and an uploaded file's name must end in a
    # suffix the readers know (.txt, .warc.gz …), which a schema's binary field cannot state.
    ("POST", "/api/imports/"),
    # A change-feed cursor is one the server issued and expires after the retention days
    # (410): whether a well-formed `since` is accepted depends on when it was issued.
    ("GET", "/api/changes/"),
    ("GET", "/api/changes.jsonl"),
    # A webhook's address must resolve to a public host (looked up when it is given).
    ("POST", "/api/webhooks/"),
    ("PATCH", "/api/webhooks/{id}/"),
}


def check(case, headers: dict[str, str]) -> None:
    excluded = []
    if (case.method.upper(), case.path) in STATEFUL_WRITES:
        excluded.append(schemathesis.checks.positive_data_acceptance)
    case.call_and_validate(headers=headers, excluded_checks=excluded)


@pytest.fixture
def same_connection_for_requests():
    """Requests run inside the test's transaction, on its connection: Django must not close
    that connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def credentials(seeded, same_connection_for_requests) -> dict[str, dict[str, str]]:
    """The headers of each role's requests."""
    headers = {"anonymous": {}}
    for role, make in (("editor", factories.editor), ("journalist", factories.journalist)):
        key = APIToken.issue(user=make(f"conformance_{role}"), name="conformance")[1]
        headers[role] = {"Authorization": f"Token {key}"}
    return headers


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@BOUNDED
def test_every_check_passes_as_an_editor(case, credentials):
    check(case, credentials["editor"])


@schema.parametrize()
@BOUNDED
def test_every_check_passes_as_a_journalist(case, credentials):
    check(case, credentials["journalist"])


@schema.parametrize()
@BOUNDED
def test_every_check_passes_anonymously(case, credentials):
    check(case, credentials["anonymous"])
