import contextlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Annotation, Claim, PublishedClaim
from annotations.services import assignments
from tests.factories import AnnotationFactory, AppearanceFactory, ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(alice_journalist, bob_journalist):
    published_claim = ClaimFactory(created_by=alice_journalist)
    published = AnnotationFactory(
        claim=published_claim,
        author=alice_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    alice_draft = AnnotationFactory(claim=published_claim, author=bob_journalist)
    draft_only_claim = ClaimFactory(created_by=bob_journalist)
    bob_draft = AnnotationFactory(claim=draft_only_claim, author=bob_journalist)
    return {
        "published_claim": published_claim,
        "published": published,
        "bobs_second": alice_draft,
        "draft_only_claim": draft_only_claim,
        "bob_draft": bob_draft,
    }


def test_anonymous_sees_published_annotations_only(anon, corpus):
    assert list(Annotation.objects.visible_to(anon)) == [corpus["published"]]


def test_claim_without_published_annotation_is_hidden_from_anonymous(anon, corpus):
    assert list(Claim.objects.visible_to(anon)) == [corpus["published_claim"]]


def test_author_sees_own_drafts_but_not_others(alice_journalist, bob_journalist, corpus):
    assert set(Annotation.objects.visible_to(bob_journalist)) == {
        corpus["published"],
        corpus["bobs_second"],
        corpus["bob_draft"],
    }
    assert set(Annotation.objects.visible_to(alice_journalist)) == {corpus["published"]}
    assert set(Claim.objects.visible_to(bob_journalist)) == {
        corpus["published_claim"],
        corpus["draft_only_claim"],
    }


def test_editor_sees_everything_not_deleted(erin_editor, corpus):
    assert Annotation.objects.visible_to(erin_editor).count() == 3
    Annotation.objects.filter(pk=corpus["bob_draft"].pk).update(deleted_at=timezone.now())
    assert Annotation.objects.visible_to(erin_editor).count() == 2


def test_with_details_loads_everything_in_constant_queries(
    anon, erin_editor, django_assert_num_queries, corpus
):
    for user in (anon, erin_editor):
        # Editors are checked against their groups once (1 query); then: claims, appearances,
        # annotations, tags, evidence.
        expected = 5 + (1 if user.is_authenticated else 0)
        with django_assert_num_queries(expected):
            claims = list(Claim.objects.visible_to(user).with_details(user))
            for claim in claims:
                for annotation in claim.visible_annotations:
                    list(annotation.tags.all())
                    list(annotation.evidence.all())
                    str(annotation.author)
                for appearance in claim.appearances.all():
                    str(appearance.capture.article.source)


# The policy on every path (issue #20): blind mode and removal hold beyond the lists.

BOB_SAYS = "Bob's verdict, hidden from a blind assignee."
ADMIN_SAYS = "An admin reworded Bob's rationale."


@pytest.fixture
def blind_claim(fred_editor, bob_journalist, erin_editor, adam_admin, alice_journalist):
    """A claim with Bob's published annotation (reworded by an admin), that Alice is then
    assigned blind."""
    claim = AppearanceFactory(claim=ClaimFactory(created_by=fred_editor)).claim
    annotation = services.create_annotation(
        user=bob_journalist, claim=claim, confidence="0.8", verdict="false", rationale=BOB_SAYS
    )
    services.submit_annotation(
        user=bob_journalist, annotation=annotation, expected_version=annotation.version
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    services.update_annotation(
        user=adam_admin,
        annotation=annotation,
        rationale=f"{BOB_SAYS} {ADMIN_SAYS}",
        reason="Clearer.",
        expected_version=annotation.version,
    )
    assignments.assign_claims(user=erin_editor, claims=[claim], assignees=[alice_journalist])
    return claim


def hides_bob(response) -> bool:
    text = response.content.decode()
    return "Bob" not in text and "bob_journalist" not in text


def test_blind_assignee_reads_no_other_annotators_event_in_the_claims_history(
    as_user, alice_journalist, blind_claim
):
    response = as_user(alice_journalist).get(f"/api/claims/{blind_claim.pk}/history/")
    assert response.status_code == 200
    assert [e for e in response.json()["results"] if e["kind"] == "annotation"] == []
    assert hides_bob(response)


def test_blind_assignee_sees_no_other_annotators_event_in_the_claim_pages_history(
    client, alice_journalist, blind_claim
):
    client.force_login(alice_journalist)
    response = client.get(f"/claims/{blind_claim.pk}/")
    assert response.status_code == 200
    assert hides_bob(response)


def test_blind_assignee_gets_no_claimreview_of_a_hidden_verdict(
    as_user, api, alice_journalist, blind_claim
):
    assert (
        as_user(alice_journalist).get(f"/api/claims/{blind_claim.pk}/claimreview/").status_code
        == 404
    )
    assert "Bob" in api.get(f"/api/claims/{blind_claim.pk}/claimreview/").content.decode()


def test_blind_assignee_export_leaves_out_the_claim_until_they_submit(
    as_user, api, alice_journalist, blind_claim
):
    def export(client):
        return b"".join(client.get("/api/claims/export.jsonl").streaming_content).decode()

    assert BOB_SAYS in export(api)
    assert BOB_SAYS not in export(as_user(alice_journalist))
    own = services.create_annotation(
        user=alice_journalist, claim=blind_claim, confidence="0.4", verdict="accurate"
    )
    services.submit_annotation(user=alice_journalist, annotation=own, expected_version=own.version)
    assert BOB_SAYS in export(as_user(alice_journalist))


def test_submitting_lifts_blind_mode_from_the_history_too(as_user, alice_journalist, blind_claim):
    own = services.create_annotation(
        user=alice_journalist, claim=blind_claim, confidence="0.4", verdict="accurate"
    )
    services.submit_annotation(user=alice_journalist, annotation=own, expected_version=own.version)
    response = as_user(alice_journalist).get(f"/api/claims/{blind_claim.pk}/history/")
    assert ADMIN_SAYS in response.content.decode()


@pytest.fixture
def removed(erin_editor, bob_journalist):
    """Bob's published annotation of a claim an editor then removed, with a reason."""
    claim = AppearanceFactory(claim=ClaimFactory(created_by=bob_journalist)).claim
    annotation = AnnotationFactory(
        claim=claim,
        author=bob_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
        rationale=BOB_SAYS,
    )
    client = APIClient()
    client.force_login(erin_editor)
    response = client.delete(f"/api/claims/{claim.pk}/", {"reason": "Not a claim."}, format="json")
    assert response.status_code == 204
    return annotation


@pytest.mark.parametrize("path", ["/api/annotations/{pk}/", "/api/annotations/{pk}/w3c/"])
def test_an_annotation_of_a_removed_claim_is_gone_for_readers(
    api, token_client, rita_reader, bob_journalist, removed, path
):
    for client in (api, token_client(rita_reader, read_only=True), APIClient()):
        assert client.get(path.format(pk=removed.pk)).status_code == 404
    author = APIClient()
    author.force_login(bob_journalist)
    assert author.get(path.format(pk=removed.pk)).status_code == 404


def test_an_annotation_of_a_removed_claim_leaves_the_w3c_collections(api, removed):
    for path in ("/api/annotations/w3c/", "/api/annotations/w3c/page/", "/api/annotations/"):
        response = api.get(path)
        assert response.status_code == 200
        assert BOB_SAYS not in response.content.decode()


def test_editors_still_see_an_annotation_of_a_removed_claim(as_user, erin_editor, removed):
    response = as_user(erin_editor).get(f"/api/annotations/{removed.pk}/")
    assert response.status_code == 200
    assert response.json()["rationale"] == BOB_SAYS


def test_an_annotation_published_after_its_claim_was_removed_stays_hidden(
    api, erin_editor, bob_journalist
):
    claim = AppearanceFactory(claim=ClaimFactory(created_by=bob_journalist)).claim
    annotation = AnnotationFactory(
        claim=claim, author=bob_journalist, status=Annotation.Status.SUBMITTED, rationale=BOB_SAYS
    )
    services.delete_claim(user=erin_editor, claim=claim)
    # Whether the workflow allows this publication is the transition table's question; what
    # readers get if it happens is the policy's.
    with contextlib.suppress(PermissionDenied, ValidationError):
        services.publish_annotation(
            user=erin_editor, annotation=annotation, expected_version=annotation.version
        )
    assert not PublishedClaim.objects.filter(claim=claim).exists()
    assert api.get(f"/api/annotations/{annotation.pk}/").status_code == 404
    assert BOB_SAYS not in api.get("/api/annotations/w3c/").content.decode()
