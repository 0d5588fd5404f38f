"""Who is told what: each journaled write that concerns someone becomes their notification —
never the actor's, never Claimdesk's own accounts', never about what the recipient may not
see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.actors import REANCHORING, SEED_ACCOUNT
from annotations import services
from annotations.models import Annotation
from journal import services as journal
from notifications.models import Notification
from notifications.texts import text
from tests.factories import AnnotationFactory, CaptureFactory, UserFactory, editor, mark_sentence

pytestmark = pytest.mark.django_db


def inbox(person) -> list[tuple[str, int | None]]:
    return list(Notification.objects.of(person).order_by("id").values_list("kind", "claim_id"))


def only(person) -> Notification:
    (notification,) = Notification.objects.of(person).with_details()
    return notification


def in_english(notification) -> str:
    with translation.override("en"):
        return text(notification)


def source_edited(claim, actor=REANCHORING):
    """The entry the re-capture records when the sentence holding `claim` was reworded (the
    service that writes it is built beside this one; its journal entry is the contract)."""
    return journal.record(
        actor=actor,
        kind="claim",
        object_id=claim.pk,
        claim_id=claim.pk,
        action="source_edited",
        public=True,
        changes=[{"field": "quote", "from": "Aucune raison", "to": "Une raison"}],
    )


def test_an_assignment_tells_the_assignee_and_nobody_else(
    claim, erin_editor, bob_journalist, alice_journalist
):
    services.assign_claims(user=erin_editor, claims=[claim], assignees=[bob_journalist])

    assert inbox(bob_journalist) == [("assigned", claim.pk)]
    assert inbox(erin_editor) == [] and inbox(alice_journalist) == []
    assert in_english(only(bob_journalist)) == (
        f"erin_editor asked you to annotate the claim “{claim.text}”."
    )


def test_changing_an_assignment_tells_nobody_again(claim, erin_editor, bob_journalist):
    services.assign_claims(user=erin_editor, claims=[claim], assignees=[bob_journalist])
    services.assign_claims(
        user=erin_editor, claims=[claim], assignees=[bob_journalist], blind=False
    )

    assert inbox(bob_journalist) == [("assigned", claim.pk)]


def test_a_submission_tells_every_editor_but_not_the_author(
    adam_admin, bob_journalist, submitted, claim, alice_journalist, erin_editor, fred_editor
):
    assert inbox(erin_editor) == [("submitted", claim.pk)]
    assert inbox(fred_editor) == [("submitted", claim.pk)]
    assert inbox(adam_admin) == [("submitted", claim.pk)]
    assert inbox(alice_journalist) == [] and inbox(bob_journalist) == []
    assert in_english(only(erin_editor)) == (
        f"alice_journalist submitted an annotation of “{claim.text}” for review."
    )


def test_telling_many_editors_of_a_submission_costs_no_query_per_editor(
    claim, alice_journalist, erin_editor
):
    def submitted_with_queries(claim) -> int:
        annotation = services.create_annotation(user=alice_journalist, claim=claim, confidence=0.5)
        with CaptureQueriesContext(connection) as captured:
            services.submit_annotation(
                user=alice_journalist, annotation=annotation, expected_version=annotation.version
            )
        return len(captured.captured_queries)

    with_one_editor = submitted_with_queries(claim)
    for n in range(20):
        editor(f"editor_{n}")
    another = mark_sentence(alice_journalist, CaptureFactory())

    assert submitted_with_queries(another) == with_one_editor
    assert Notification.objects.filter(kind="submitted", claim=another).count() == 21


def test_an_editor_submitting_her_own_annotation_is_not_told_of_it(claim, erin_editor):
    services.create_annotation(user=erin_editor, claim=claim, confidence=0.5, submit=True)

    assert inbox(erin_editor) == []


def test_publishing_tells_the_author(published, claim, alice_journalist, erin_editor):
    assert inbox(alice_journalist) == [("published", claim.pk)]
    assert inbox(erin_editor) == [("submitted", claim.pk)]  # not her own publication
    assert in_english(only(alice_journalist)) == (
        f"erin_editor published your annotation of “{claim.text}”."
    )


def test_returning_tells_the_author_with_the_comment(
    submitted, claim, alice_journalist, erin_editor
):
    services.return_annotation(
        user=erin_editor,
        annotation=submitted,
        comment="Cite the ministry's statement.",
        expected_version=submitted.version,
    )

    assert inbox(alice_journalist) == [("returned", claim.pk)]
    assert in_english(only(alice_journalist)) == (
        f"erin_editor returned your annotation of “{claim.text}”: Cite the ministry's statement."
    )


def test_a_returned_publication_quotes_its_comment_to_the_author_only(
    published, claim, alice_journalist, erin_editor, fred_editor
):
    services.return_annotation(
        user=fred_editor,
        annotation=published,
        comment="Internal: the desk doubts it.",
        expected_version=published.version,
    )

    quoting = Notification.objects.filter(comment__contains="Internal")
    assert list(quoting.values_list("recipient__username", flat=True)) == ["alice_journalist"]


def test_retracting_tells_the_author_with_the_reason(
    published, claim, alice_journalist, fred_editor
):
    services.retract_annotation(
        user=fred_editor,
        annotation=published,
        reason="The ministry published its reason.",
        expected_version=published.version,
    )

    assert inbox(alice_journalist) == [("published", claim.pk), ("retracted", claim.pk)]
    retracted = Notification.objects.of(alice_journalist).with_details().get(kind="retracted")
    assert in_english(retracted) == (
        f"fred_editor retracted your annotation of “{claim.text}”: "
        "The ministry published its reason."
    )


def test_a_reworded_source_tells_the_annotators_and_the_publishing_editor(
    published, claim, alice_journalist, bob_journalist, erin_editor, fred_editor
):
    draft = services.create_annotation(user=bob_journalist, claim=claim, confidence=0.4)

    source_edited(claim)

    assert inbox(alice_journalist)[-1] == ("source-edited", claim.pk)
    assert inbox(bob_journalist) == [("source-edited", claim.pk)]
    assert inbox(erin_editor)[-1] == ("source-edited", claim.pk)  # she published Alice's
    assert ("source-edited", claim.pk) not in inbox(fred_editor)  # an editor, not concerned
    notification = only(bob_journalist)
    assert notification.article == claim.appearances.get().capture.article
    assert in_english(notification) == (
        f"The sentence holding the claim “{claim.text}” was changed in "
        f"“{notification.article.title}”."
    )
    assert draft.status == Annotation.Status.DRAFT


def test_a_person_rewording_the_source_is_not_told_of_it(published, claim, erin_editor):
    source_edited(claim, actor=erin_editor)

    assert ("source-edited", claim.pk) not in inbox(erin_editor)


def test_claimdesk_s_own_accounts_are_never_told(claim, erin_editor):
    seed_account = UserFactory(username=SEED_ACCOUNT, is_staff=True)
    AnnotationFactory(claim=claim, author=seed_account)
    services.create_annotation(user=editor("gina_editor"), claim=claim, confidence=0.5, submit=True)

    source_edited(claim)

    assert inbox(seed_account) == []
    assert Notification.objects.filter(recipient=seed_account).count() == 0


def test_people_who_left_are_not_told(claim, bob_journalist):
    services.create_annotation(user=bob_journalist, claim=claim, confidence=0.4)
    bob_journalist.is_active = False
    bob_journalist.save()

    source_edited(claim)

    assert Notification.objects.filter(recipient=bob_journalist).count() == 0


def test_a_removed_claim_tells_nobody_and_leaves_the_inbox(
    published, claim, alice_journalist, adam_admin
):
    services.delete_claim(user=adam_admin, claim=claim, reason="Duplicate.")
    source_edited(claim)

    # Nobody sees a removed claim: its earlier notification goes from the inbox too.
    assert inbox(alice_journalist) == []
    assert Notification.objects.filter(claim=claim, kind="source-edited").count() == 0


def test_a_blind_assignee_learns_nothing_of_the_others_work(
    claim, alice_journalist, bob_journalist, erin_editor
):
    """Bob is assigned the claim blind; Alice's annotation is submitted, published, returned,
    retracted: none of it reaches Bob, and what does reach him names no one else's work."""
    services.assign_claims(user=erin_editor, claims=[claim], assignees=[bob_journalist])
    services.create_annotation(user=bob_journalist, claim=claim, confidence=0.3)
    alices = services.create_annotation(
        user=alice_journalist, claim=claim, confidence=0.9, verdict="false", submit=True
    )
    services.publish_annotation(
        user=erin_editor, annotation=alices, expected_version=alices.version
    )
    source_edited(claim)

    assert inbox(bob_journalist) == [("assigned", claim.pk), ("source-edited", claim.pk)]
    with translation.override("en"):
        said = " ".join(text(n) for n in Notification.objects.of(bob_journalist).with_details())
    assert "alice" not in said and "false" not in said and "published" not in said
