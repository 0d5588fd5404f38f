"""GET /api/agreement/: who may read it, what it answers, and its filters."""

import krippendorff
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreement import metrics
from annotations.models import Annotation
from tests import factories
from tests.annotations.agreement.conftest import annotate

URL = "/api/agreement/"
V = Annotation.Verdict
S = Annotation.Status


def test_editors_and_admins_read_agreement_and_others_are_refused(
    as_user, api, erin_editor, adam_admin, alice_journalist, rita_reader, token_client
):
    assert as_user(erin_editor).get(URL).status_code == 200
    assert as_user(adam_admin).get(URL).status_code == 200
    for client in (as_user(alice_journalist), as_user(rita_reader), api):
        response = client.get(URL)
        assert response.status_code == 403
        assert response.json() == {"detail": "Agreement figures are for editors and admins."}
    # A read-only token reads as an anonymous user would.
    assert token_client(erin_editor, read_only=True).get(URL).status_code == 403
    assert token_client(erin_editor).get(URL).status_code == 200


def test_the_report_of_a_small_desk_is_the_whole_payload(as_user, erin_editor, desk):
    body = as_user(erin_editor).get(URL).json()

    few = {"kappa_verdict": None, "reason": metrics.FEW_SHARED}
    assert body == {
        "units": 3,
        "annotators": 3,
        # {F, F}, {A, M, A}, {M, M}: 1 − (7 − 1) · 2 / (7² − 2² − 3² − 2²)
        "verdict": {"alpha": 0.625, "ci95": [-0.3333, 1.0], "units": 3},
        "confidence": {"alpha": 0.4107, "ci95": [-0.6667, 0.9505], "units": 3},
        "tags": [
            {"slug": "framing", "alpha": 0.5, "ci95": [-0.3333, 1.0], "units": 3},
            {"slug": "sourcing", "alpha": 0.0, "ci95": [-0.3333, 0.0], "units": 3},
        ],
        "pairs": [
            {"a": "ann", "b": "bea", "units": 3, **few},
            {"a": "ann", "b": "cid", "units": 1, **few},
            {"a": "bea", "b": "cid", "units": 1, **few},
        ],
        "disagreements": [
            # Pairs (ann, bea), (ann, cid), (bea, cid) of the second claim: verdicts differ,
            # differ not, differ; tags share nothing but for two who have none; and so on.
            {"claim": desk[1].pk, "spread": 0.6667},
            # Same verdict and tags, confidences 0.1 apart.
            {"claim": desk[0].pk, "spread": 0.0333},
        ],
    }
    # The interval figure is the library's, from the same values.
    nan = float("nan")
    table = [[0.9, 0.7, 0.5], [0.8, 0.2, 0.5], [nan, 0.6, nan]]
    expected = krippendorff.alpha(reliability_data=table, level_of_measurement="interval")
    assert body["confidence"]["alpha"] == round(expected, 4)


def test_status_chooses_which_annotations_count(as_user, erin_editor, desk):
    client = as_user(erin_editor)
    published = client.get(URL, {"status": "published"}).json()
    drafts_too = client.get(URL, {"status": ["draft", "submitted", "published"]}).json()

    # Only one published annotation: no claim has two.
    assert published["units"] == 0 and published["verdict"]["alpha"] is None
    assert published["verdict"]["reason"] == metrics.NO_UNITS
    assert drafts_too["units"] == 3


def test_claim_filters_choose_the_units(as_user, erin_editor, desk):
    client = as_user(erin_editor)
    assert client.get(URL, {"tag": "sourcing"}).json()["units"] == 1
    assert client.get(URL, {"author": "cid"}).json()["units"] == 1
    assert client.get(URL, {"language": "en"}).json()["units"] == 0
    assert client.get(URL, {"q": "officielle"}).json()["units"] == 3
    assert client.get(URL, {"q": "Tokyo"}).json()["units"] == 0


def test_bad_parameters_answer_400(as_user, erin_editor, desk):
    client = as_user(erin_editor)
    for params in ({"status": "nonsense"}, {"created_after": "x"}):
        response = client.get(URL, params)
        assert response.status_code == 400, params


def test_deleted_annotations_and_claims_do_not_count(as_user, erin_editor, desk):
    Annotation.objects.filter(claim=desk[2], author__username="ann").update(
        deleted_at=timezone.now()
    )
    desk[1].deleted_at = timezone.now()
    desk[1].save()
    assert as_user(erin_editor).get(URL).json()["units"] == 1


def test_the_report_reads_in_a_fixed_number_of_queries(as_user, erin_editor, desk):
    client = as_user(erin_editor)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for i in range(10):
        claim = factories.ClaimFactory()
        for name in ("ann", "bea"):
            annotate(claim, factories.journalist(f"{name}{i}"), V.FALSE, "0.5")
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    # session, user, groups; the units; their annotations; their tags.
    assert len(few) == len(many) <= 6


def test_the_schema_documents_the_report(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/agreement/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"tag", "source", "language", "author", "status", "created_after"} <= names
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    report = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(report["properties"]) == {
        "units",
        "annotators",
        "verdict",
        "confidence",
        "tags",
        "pairs",
        "disagreements",
    }
