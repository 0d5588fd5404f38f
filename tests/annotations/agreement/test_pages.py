"""The assignment forms, the home page's assignments and the agreement page."""

import pytest
from django.urls import reverse

from annotations.models import Assignment
from tests import factories

AGREEMENT = "/agreement/"


@pytest.fixture
def claims(db, fred_editor):
    return [factories.ClaimFactory(created_by=fred_editor) for _ in range(3)]


def test_an_editor_assigns_a_claim_from_its_page(client, erin_editor, alice_journalist, claims):
    client.force_login(erin_editor)
    page = client.get(f"/claims/{claims[0].pk}/").content.decode()
    assert "Ask for an opinion" in page and "alice_journalist" in page

    response = client.post(
        reverse("annotations:assign"),
        {
            "claims": [claims[0].pk],
            "assignees": [alice_journalist.pk],
            "blind": "on",
            "next": f"/claims/{claims[0].pk}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/claims/{claims[0].pk}/"
    assignment = Assignment.objects.get()
    assert (assignment.claim, assignment.assignee, assignment.assigned_by) == (
        claims[0],
        alice_journalist,
        erin_editor,
    )
    assert assignment.blind and not assignment.show_published
    assert "withdraw" in client.get(f"/claims/{claims[0].pk}/").content.decode()


def test_an_editor_assigns_claims_in_bulk_from_the_list(
    client, erin_editor, alice_journalist, bob_journalist, claims
):
    client.force_login(erin_editor)
    page = client.get("/claims/").content.decode()
    assert 'form="assign-form"' in page
    client.post(
        reverse("annotations:assign"),
        {
            "claims": [c.pk for c in claims[:2]],
            "assignees": [alice_journalist.pk, bob_journalist.pk],
        },
    )
    assert Assignment.objects.count() == 4
    # Blind unchecked: an assignment without blind mode.
    assert not Assignment.objects.filter(blind=True).exists()


def test_an_assignee_sees_the_assignment_on_the_home_page_until_submitting(
    client, erin_editor, alice_journalist, claims
):
    Assignment.objects.create(claim=claims[0], assignee=alice_journalist, assigned_by=erin_editor)
    client.force_login(alice_journalist)
    page = client.get("/").content.decode()
    assert "Assigned to you" in page and f"/claims/{claims[0].pk}/" in page
    detail = client.get(f"/claims/{claims[0].pk}/").content.decode()
    assert "blind mode" in detail


def test_journalists_cannot_assign_nor_withdraw(client, alice_journalist, bob_journalist, claims):
    client.force_login(alice_journalist)
    response = client.post(
        reverse("annotations:assign"), {"claims": [claims[0].pk], "assignees": [bob_journalist.pk]}
    )
    assert response.status_code == 403 and not Assignment.objects.exists()
    assert 'form="assign-form"' not in client.get("/claims/").content.decode()
    assignment = Assignment.objects.create(
        claim=claims[0], assignee=bob_journalist, assigned_by=factories.editor("ed")
    )
    response = client.post(reverse("annotations:unassign", args=[assignment.pk]))
    assert response.status_code == 403 and Assignment.objects.exists()


def test_an_assignment_without_a_journalist_is_refused_with_a_message(client, erin_editor, claims):
    client.force_login(erin_editor)
    response = client.post(reverse("annotations:assign"), {"claims": [claims[0].pk]}, follow=True)
    assert "Nothing assigned" in response.content.decode()


def test_the_agreement_page_shows_figures_charts_and_disagreements(
    client,
    erin_editor,
    desk,
):
    client.force_login(erin_editor)
    page = client.get(AGREEMENT).content.decode()
    assert 'href="/agreement/"' in page  # in the navigation
    assert "0.625" in page  # verdict α
    assert 'class="heat-map"' in page and 'class="scatter"' in page
    assert f'href="/claims/{desk[1].pk}/"' in page
    assert "style=" not in page.split("<main", 1)[1]
    filtered = client.get(AGREEMENT, {"tag": "sourcing", "status": ["submitted"]})
    assert filtered.status_code == 200 and "1 claim ·" in filtered.content.decode()
    assert client.get(AGREEMENT, {"x": "ann", "y": "cid"}).status_code == 200


def test_the_agreement_page_is_for_editors(client, alice_journalist):
    assert client.get(AGREEMENT).status_code == 302  # to log in
    client.force_login(alice_journalist)
    assert client.get(AGREEMENT).status_code == 403
    assert 'href="/agreement/"' not in client.get("/").content.decode()


def test_the_agreement_page_survives_bad_filters(client, erin_editor, desk):
    client.force_login(erin_editor)
    for params in ({"created_after": "never"}, {"status": "nonsense"}, {"tag": "nope"}):
        assert client.get(AGREEMENT, params).status_code == 200


def test_seeded_annotations_are_not_an_annotator(client, erin_editor, desk):
    """The seed account's published example must not count as a person on the agreement
    page: one seeded annotation on a claim ann and bea annotated leaves two annotators."""
    from accounts.actors import SEED_ACCOUNT
    from agreement import report
    from annotations.models import Claim
    from tests.annotations.agreement.conftest import annotate

    seed = factories.UserFactory(username=SEED_ACCOUNT, is_staff=True)
    annotate(desk[0], seed, "false", "0.900", status="published")
    ratings = report.load(Claim.objects.all(), report.DEFAULT_STATUSES)
    assert SEED_ACCOUNT not in ratings.coders
    client.force_login(erin_editor)
    page = client.get(AGREEMENT).content.decode()
    assert f">{SEED_ACCOUNT}<" not in page and f'value="{SEED_ACCOUNT}"' not in page


def test_agreement_page_explains_itself_and_labels_every_column_whole(client, erin_editor, desk):
    """It sent editors to the README, cut "journalist" logins to "journalis" and filled the
    κ matrix with "–"."""
    from agreement import charts

    client.force_login(erin_editor)
    page = client.get(AGREEMENT).content.decode()
    assert "README" not in page and "How to read these figures" in page
    pairs = [{"a": "alice_journalist", "b": "bob_journalist", "units": 3, "kappa_verdict": None}]
    chart = charts.heat_map(pairs)
    assert chart["label"] >= charts.CHAR * len("alice_journalist")
    # The last column's label, turned 45°, stays inside the drawing.
    last = chart["rows"][-1]["x"]
    assert last + 0.7 * charts.CHAR * len("bob_journalist") <= chart["width"]
    assert {cell["text"] for cell in chart["cells"]} == {"3"}
