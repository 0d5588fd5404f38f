"""Assignments and blind mode: an assignee does not see the others' annotations of a claim
until they have submitted their own, on every path (pages, API, W3C, search)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annotations import services
from annotations.models import Annotation, Assignment, Claim
from annotations.services import assignments
from tests import factories

S = Annotation.Status


@pytest.fixture
def claim(db, fred_editor):
    return factories.AppearanceFactory(claim=factories.ClaimFactory(created_by=fred_editor)).claim


@pytest.fixture
def first_opinion(claim, bob_journalist):
    return factories.AnnotationFactory(
        claim=claim, author=bob_journalist, status=S.PUBLISHED, published_at=timezone.now()
    )


@pytest.fixture
def assigned(claim, first_opinion, erin_editor, alice_journalist):
    [assignment] = assignments.assign_claims(
        user=erin_editor, claims=[claim], assignees=[alice_journalist]
    )
    return assignment


def test_an_assignee_does_not_see_others_annotations_before_submitting(
    claim, first_opinion, assigned, alice_journalist, anon
):
    assert assigned.blind and not assigned.show_published
    assert list(Annotation.objects.visible_to(alice_journalist)) == []
    # The claim itself is there to annotate; the public still sees the published opinion.
    assert list(Claim.objects.visible_to(alice_journalist)) == [claim]
    assert list(Annotation.objects.visible_to(anon)) == [first_opinion]


def test_submitting_lifts_blind_mode(claim, first_opinion, assigned, alice_journalist):
    own = services.create_annotation(
        user=alice_journalist, claim=claim, confidence="0.6", verdict="false"
    )
    assert set(Annotation.objects.visible_to(alice_journalist)) == {own}
    services.submit_annotation(user=alice_journalist, annotation=own, expected_version=own.version)
    assert set(Annotation.objects.visible_to(alice_journalist)) == {own, first_opinion}


def test_show_published_keeps_published_annotations_visible(
    claim, first_opinion, erin_editor, alice_journalist
):
    assignments.assign_claims(
        user=erin_editor, claims=[claim], assignees=[alice_journalist], show_published=True
    )
    assert list(Annotation.objects.visible_to(alice_journalist)) == [first_opinion]


def test_an_assignment_without_blind_mode_hides_nothing(
    claim, first_opinion, erin_editor, alice_journalist
):
    assignments.assign_claims(
        user=erin_editor, claims=[claim], assignees=[alice_journalist], blind=False
    )
    assert list(Annotation.objects.visible_to(alice_journalist)) == [first_opinion]


def test_blind_mode_holds_on_the_api_w3c_and_search(
    as_user, claim, first_opinion, assigned, alice_journalist, bob_journalist
):
    client = as_user(alice_journalist)
    assert client.get("/api/annotations/").json()["results"] == []
    assert client.get(f"/api/annotations/{first_opinion.pk}/").status_code == 404
    assert client.get(f"/api/annotations/{first_opinion.pk}/w3c/").status_code == 404
    w3c = client.get("/api/annotations/w3c/").json()
    assert w3c["total"] == 0
    [found] = client.get("/api/claims/", {"q": claim.text.split()[1]}).json()["results"]
    assert found["id"] == claim.pk and found["annotations"] == []
    assert client.get(f"/api/claims/{claim.pk}/").json()["annotations"] == []
    # Bob, not assigned, sees his own; the public collection still has it.
    assert as_user(bob_journalist).get("/api/annotations/w3c/").json()["total"] == 1


def test_blind_mode_holds_on_the_claim_page(
    client, claim, first_opinion, assigned, alice_journalist
):
    client.force_login(alice_journalist)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert first_opinion.rationale not in page
    assert "blind" in page.lower()


def test_editors_see_everything_whatever_the_assignments(
    claim, first_opinion, assigned, erin_editor
):
    assert list(Annotation.objects.visible_to(erin_editor)) == [first_opinion]


def test_only_editors_assign_and_only_journalists_are_assigned(
    claim, alice_journalist, bob_journalist, rita_reader, erin_editor
):
    with pytest.raises(PermissionDenied):
        assignments.assign_claims(user=alice_journalist, claims=[claim], assignees=[bob_journalist])
    with pytest.raises(ValidationError, match="rita_reader"):
        assignments.assign_claims(user=erin_editor, claims=[claim], assignees=[rita_reader])
    assert not Assignment.objects.exists()


def test_assigning_again_updates_the_blind_settings(claim, erin_editor, alice_journalist):
    assignments.assign_claims(user=erin_editor, claims=[claim], assignees=[alice_journalist])
    [again] = assignments.assign_claims(
        user=erin_editor, claims=[claim], assignees=[alice_journalist], blind=False
    )
    assert Assignment.objects.get() == again and not again.blind


def test_open_assignments_are_those_not_yet_submitted(claim, assigned, alice_journalist):
    assert list(Assignment.objects.open_for(alice_journalist)) == [assigned]
    own = services.create_annotation(user=alice_journalist, claim=claim, confidence="0.5")
    services.submit_annotation(user=alice_journalist, annotation=own, expected_version=own.version)
    assert list(Assignment.objects.open_for(alice_journalist)) == []


def test_assigning_answers_the_same_for_a_missing_claim_and_a_hidden_one(
    client, claim, alice_journalist, bob_journalist
):
    """No claim-existence oracle: a journalist posting to /assignments/ is refused alike
    whether the claim exists (hidden from them) or not, and nothing is assigned."""
    client.force_login(bob_journalist)
    answers = [
        client.post("/assignments/", {"claims": [pk], "assignees": [alice_journalist.pk]})
        for pk in (claim.pk, claim.pk + 10_000)
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert not claim.assignments.exists()
