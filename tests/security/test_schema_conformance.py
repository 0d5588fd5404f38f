"""The OpenAPI schema tells the truth: schemathesis generates requests from it — its examples,
its coverage cases (every boundary, every missing or wrong parameter, methods it does not
list) and fuzzed ones — and runs every check it has on each answer, as an editor, a
journalist and an anonymous reader: no server error; statuses, content types, headers and
bodies as documented; valid data accepted and invalid data refused; methods it does not list
refused with 405 and an Allow header; credentials enforced where it declares them. One more
check of our own: a request the schema allows fits gunicorn's request line.

Bounded and reproducible: a fixed number of fuzzed examples per operation
(CLAIMDESK_CONFORMANCE_EXAMPLES), derandomized, so a run takes the same cases every time."""

import os
import runpy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.core.failures import Failure, FailureGroup

from accounts.models import APIToken
from tests import factories

# Under CI, on PostgreSQL only: the database production runs on, and the stricter one (it
# refuses NUL in text); `CLAIMDESK_SLOW_TESTS=1 make test` runs it on SQLite too.
pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.once("postgresql")]

EXAMPLES = int(os.environ.get("CLAIMDESK_CONFORMANCE_EXAMPLES", "4"))
LIMIT_REQUEST_LINE = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))[
    "limit_request_line"
]

# A schema can say how a request is formed, not what is stored: some valid-looking requests
# name objects that do not exist (an id, a source's slug), quote text that is not at the
# given offsets of a capture, repeat what must be unique (a tag's slug, a second annotation
# of one claim by one author), or hand back a cursor the server did not sign. The server
# answers those with a 400 naming the field, which is right, and which no schema can
# foresee. So for these operations, and only when the 400 names nothing but these fields,
# "valid data is accepted" does not apply; every other check, and that one on any other
# field, still does.
STATEFUL_FIELDS = {
    ("POST", "/api/claims/"): {"capture", "quote", "start", "end", "prefix", "suffix"},
    ("POST", "/api/appearances/"): {
        "claim",
        "capture",
        "quote",
        "start",
        "end",
        "non_field_errors",
    },
    ("POST", "/api/annotations/"): {"claim", "tags", "non_field_errors"},
    ("POST", "/api/evidence/"): {"annotation", "capture", "quote", "non_field_errors"},
    ("POST", "/api/articles/"): {"source", "url"},
    # Without a text, the article is fetched again: only if it has a web address.
    ("POST", "/api/articles/{id}/captures/"): {"text", "non_field_errors"},
    # A reason is required once an assessment of the claim (or the annotation) is published.
    ("PATCH", "/api/claims/{id}/"): {"reason"},
    ("DELETE", "/api/claims/{id}/"): {"reason"},
    ("PATCH", "/api/annotations/{id}/"): {"reason"},
    ("POST", "/api/tags/"): {"slug", "label"},
    ("PATCH", "/api/tags/{slug}/"): {"label"},
    ("POST", "/api/tags/{slug}/patterns/"): {"phrase"},
    ("POST", "/api/sources/"): {"slug", "name", "domains"},
    ("PATCH", "/api/sources/{slug}/"): {"name", "domains"},
    # An import's source names a stored one; an uploaded file's name must end in a suffix
    # the readers know (.txt, .warc.gz …), which a schema's binary field cannot state.
    ("POST", "/api/imports/"): {"source", "file"},
    # A change-feed cursor carries the server's signature; its form is in the schema.
    ("GET", "/api/changes/"): {"since"},
    ("GET", "/api/changes.jsonl"): {"since"},
    # A watched or webhook address must resolve to a public host (looked up when it is
    # given), and be watched once; a watch's source names a stored one.
    ("POST", "/api/watches/"): {"url", "source"},
    # Only an article with a web address can be fetched again.
    ("POST", "/api/articles/{id}/recapture/"): {"non_field_errors"},
    ("PATCH", "/api/watches/{id}/"): {"url", "source"},
    ("POST", "/api/webhooks/"): {"url"},
    ("PATCH", "/api/webhooks/{id}/"): {"url"},
}


# A change to an annotation names the version it was based on: a version that is not the
# stored one is refused with 412, and a request with neither `version` nor If-Match with
# 428 (OpenAPI cannot say "this body field or that header"). Both are documented on these
# operations and depend on what is stored, like the fields above.
PRECONDITION_STATUSES = {412, 428}


def positive_data_acceptance(ctx, response, case):
    """schemathesis's check, except for a 400 that names only fields whose validity depends
    on what is stored (STATEFUL_FIELDS), and a documented precondition failure."""
    documented = case.operation.definition.raw.get("responses", {})
    if response.status_code in PRECONDITION_STATUSES and str(response.status_code) in documented:
        return None
    stateful = STATEFUL_FIELDS.get((case.method.upper(), case.path), set())
    if stateful and response.status_code == 400:
        errors = response.json().get("errors") or {}
        if errors and set(errors) <= stateful:
            return None
    return checks.positive_data_acceptance(ctx, response, case)


def request_line_fits_the_server(ctx, response, case):
    """A request the schema allows is not answered 414 by gunicorn: its request line (method,
    path and query string as sent) is within gunicorn.conf.py's limit_request_line."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    url = urlsplit(response.request.url)
    target = url.path + (f"?{url.query}" if url.query else "")
    line = f"{response.request.method} {target} HTTP/1.1"
    if len(line) > LIMIT_REQUEST_LINE:
        raise Failure(
            operation=case.operation.label,
            title="Request line over gunicorn's limit",
            message=f"{len(line)} bytes, over limit_request_line ({LIMIT_REQUEST_LINE})",
            code="request_line",
        )
    return None


# Every check schemathesis has (registered when first asked), "valid data is accepted" as above.
checks.load_all_checks()
EVERY_CHECK = [
    check for check in checks.CHECKS.get_all() if check is not checks.positive_data_acceptance
] + [positive_data_acceptance, request_line_fits_the_server]


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
def identities(seeded, same_connection_for_requests) -> dict[str, dict[str, str]]:
    """The headers of each identity's requests."""
    headers = {"anonymous": {}}
    for role, make in (("editor", factories.editor), ("journalist", factories.journalist)):
        key = APIToken.issue(user=make(f"conformance_{role}"), name="conformance")[1]
        headers[role] = {"Authorization": f"Token {key}"}
    return headers


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_check_passes_for_every_identity(case, identities):
    """Each generated request is sent as each identity; the failures of all three are
    reported together, named by identity."""
    failures, messages = [], []
    for identity, headers in identities.items():
        try:
            case.call_and_validate(headers=headers, checks=EVERY_CHECK)
        except FailureGroup as group:
            failures += group.exceptions
            messages.append(f"As {identity}: {group}")
    if failures:
        raise FailureGroup(failures, "\n\n".join(messages))
