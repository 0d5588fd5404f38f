"""What a write costs in queries, through the API with the actor's token: a claim marked,
annotated, submitted, published, edited while published and retracted (the benchmark's
chain, `bench/writes.py`). Each statement is a round trip to the database, so these bounds
are the writes' cost; the read model equals the live representation after each."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import APIToken
from publication import published
from tests import factories
from tests.factories import CLAIM_SENTENCE

# The most queries each write may send, as Django counts them (savepoints included), with
# the notification mail a commit enqueues.
MOST_QUERIES = {
    "mark": 21,
    "annotate": 22,
    "submit": 29,
    "publish": 31,
    "edit_published": 25,
    "retract": 26,
}


def _client(api_client_class, user):
    _, key = APIToken.issue(user=user, name="writes")
    client = api_client_class()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db(transaction=False)
def test_each_write_of_a_claims_life_costs_at_most_its_queries(django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    capture = factories.CaptureFactory()
    tags = [factories.TagFactory().slug for _ in range(3)]
    journalist = _client(APIClient, factories.journalist())
    editor = _client(APIClient, factories.editor())
    admin = _client(APIClient, factories.admin_user())
    start = capture.text.index(CLAIM_SENTENCE)
    state: dict = {}

    def mark():
        payload = {
            "capture": capture.pk,
            "start": start,
            "end": start + len(CLAIM_SENTENCE),
            "quote": CLAIM_SENTENCE,
        }
        return journalist.post("/api/claims/", payload, format="json")

    def annotate():
        payload = {
            "claim": state["claim"],
            "confidence": 0.7,
            "tags": tags[:2],
            "verdict": "",
            "rationale": "The ministry's figures say otherwise.",
        }
        return journalist.post("/api/annotations/", payload, format="json")

    def path():
        return f"/api/annotations/{state['annotation']['id']}/"

    def version():
        return {"version": state["annotation"]["version"]}

    writes = {
        "mark": mark,
        "annotate": annotate,
        "submit": lambda: journalist.post(path() + "submit/", version(), format="json"),
        "publish": lambda: editor.post(path() + "publish/", version(), format="json"),
        "edit_published": lambda: admin.patch(
            path(),
            {**version(), "confidence": 0.4, "tags": tags, "reason": "New figures."},
            format="json",
        ),
        "retract": lambda: editor.post(
            path() + "retract/", {**version(), "reason": "The source misread."}, format="json"
        ),
    }
    counted = {}
    for action, write in writes.items():
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = write()
        assert response.status_code in (200, 201), (action, response.content)
        counted[action] = len(queries)
        if action == "mark":
            state["claim"] = response.json()["id"]
        else:
            state["annotation"] = response.json()
        assert not published.differences(), action
    assert counted == {a: min(counted[a], most) for a, most in MOST_QUERIES.items()}, str(counted)
