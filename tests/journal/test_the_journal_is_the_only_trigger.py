"""The journal is the only trigger: the writes that used to reach published work beside it — a
person's names (the "Your name" page, the user admin), a tag's removal, an assignment — each
record an entry through a service, the change feed carries the claims they touched, and the
published read model stays equal to the live representation (`rebuild_published --check`).
And the admin no longer overwrites an annotation changed since its form was rendered."""

import re

import pytest
from django.core.management import call_command

from annotations import services
from annotations.models import Annotation, Tag
from journal.models import Entry
from publication import published
from tests.factories import CaptureFactory, TagFactory, journalist, mark_sentence

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(alice_journalist, erin_editor):
    """Alice's claim, tagged "disputed" by her published annotation."""
    claim = mark_sentence(alice_journalist, CaptureFactory())
    annotation = services.create_annotation(
        user=alice_journalist,
        claim=claim,
        confidence=0.6,
        tags=[TagFactory(slug="disputed", label="Disputed")],
        verdict="false",
        submit=True,
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    return claim


def feed_end(client) -> str:
    """The cursor at the end of the feed, as `client` reads it."""
    body = client.get("/api/changes/?page_size=1000").json()
    assert not body["has_more"]
    return body["next_since"]


def feed_after(client, since: str) -> list[tuple[int, str]]:
    results = client.get(f"/api/changes/?since={since}").json()["results"]
    return [(result["id"], result["action"]) for result in results]


def assert_read_model_clean(capsys):
    call_command("rebuild_published", "--check")  # CommandError when anything differs
    assert "matches the live representation" in capsys.readouterr().out


# People's names


def test_the_your_name_page_is_journaled_and_the_feed_carries_the_claims_crediting_the_name(
    client, api, claim, alice_journalist, capsys
):
    since = feed_end(api)
    client.force_login(alice_journalist)
    client.post("/accounts/name/", {"first_name": "Alice", "last_name": "Martin"})

    entry = Entry.objects.get(kind="person", object_id=alice_journalist.pk)
    assert (entry.action, entry.actor, entry.public) == ("edited", alice_journalist, True)
    assert entry.changes == [
        {"field": "first_name", "from": "", "to": "Alice"},
        {"field": "last_name", "from": "", "to": "Martin"},
    ]
    # ClaimReview credits the name: partners following the feed hear of the claim again.
    assert feed_after(api, since) == [(claim.pk, "upsert")]
    assert_read_model_clean(capsys)


def user_change_form(user, **changes) -> dict:
    """What the user admin's change form posts for `user`, with `changes`."""
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **changes,
    }


def test_renaming_a_user_in_the_admin_is_journaled_and_refreshes_the_claims_showing_the_name(
    client, api, claim, alice_journalist, adam_admin, capsys
):
    since = feed_end(api)
    client.force_login(adam_admin)
    response = client.post(
        f"/admin/auth/user/{alice_journalist.pk}/change/",
        user_change_form(alice_journalist, username="alice_martin", first_name="Alice"),
    )
    assert response.status_code == 302, response.text[:2000]

    entry = Entry.objects.get(kind="person", object_id=alice_journalist.pk)
    assert entry.actor == adam_admin
    assert entry.changes == [
        {"field": "username", "from": "alice_journalist", "to": "alice_martin"},
        {"field": "first_name", "from": "", "to": "Alice"},
    ]
    alice_journalist.refresh_from_db()
    assert alice_journalist.groups.filter(name="journalists").exists()  # the rest is kept
    assert feed_after(api, since) == [(claim.pk, "upsert")]
    assert '"created_by":"alice_martin"' in published.stored_documents([claim.pk])[claim.pk]
    assert_read_model_clean(capsys)


def test_saving_a_user_in_the_admin_without_renaming_records_nothing(
    client, alice_journalist, adam_admin
):
    client.force_login(adam_admin)
    response = client.post(
        f"/admin/auth/user/{alice_journalist.pk}/change/",
        user_change_form(alice_journalist, email="alice@example.org"),
    )
    assert response.status_code == 302
    assert not Entry.objects.filter(kind="person").exists()


# Tags


def test_a_tag_in_use_is_not_removed_and_the_refusal_says_how_many_annotations_use_it(
    as_user, client, claim, erin_editor, adam_admin
):
    tag = Tag.objects.get(slug="disputed")
    entries = Entry.objects.count()
    response = as_user(erin_editor).delete("/api/tags/disputed/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "“Disputed” is used by 1 annotation: rename it instead, or take it off that "
        "annotation first."
    }

    client.force_login(adam_admin)
    page = client.get(f"/admin/annotations/tag/{tag.pk}/delete/")
    assert "“Disputed” is used by 1 annotation" in page.text
    client.post(f"/admin/annotations/tag/{tag.pk}/delete/", {"post": "yes"})
    assert Tag.objects.filter(pk=tag.pk).exists()
    assert Entry.objects.count() == entries


def test_removing_an_unused_tag_is_journaled(as_user, client, adam_admin, erin_editor, capsys):
    first, second = TagFactory(slug="satire"), TagFactory(slug="parody")
    assert as_user(erin_editor).delete("/api/tags/satire/").status_code == 204
    client.force_login(adam_admin)
    client.post(f"/admin/annotations/tag/{second.pk}/delete/", {"post": "yes"})

    assert not Tag.objects.filter(pk__in=[first.pk, second.pk]).exists()
    removed = Entry.objects.filter(kind="tag", action="deleted")
    assert sorted(removed.values_list("object_id", "actor_name")) == [
        (first.pk, "erin_editor"),
        (second.pk, "adam_admin"),
    ]
    assert removed.get(object_id=first.pk).changes[0] == {
        "field": "slug",
        "from": "satire",
        "to": None,
    }
    assert_read_model_clean(capsys)


def test_journalists_cannot_remove_tags(as_user, alice_journalist):
    TagFactory(slug="satire")
    assert as_user(alice_journalist).delete("/api/tags/satire/").status_code == 403
    assert Tag.objects.filter(slug="satire").exists()


# Assignments


def history_actions(client, claim) -> list[tuple[str, str]]:
    events = client.get(f"/api/claims/{claim.pk}/history/").json()["results"]
    return [(event["kind"], event["action"]) for event in events if event["kind"] == "assignment"]


def test_an_assignment_is_journaled_for_editors_and_the_assignee_alone(
    as_user, api, claim, erin_editor, bob_journalist, capsys
):
    since = feed_end(as_user(bob_journalist))
    [assignment] = services.assign_claims(
        user=erin_editor, claims=[claim], assignees=[bob_journalist], blind=True
    )
    services.assign_claims(
        user=erin_editor, claims=[claim], assignees=[bob_journalist], show_published=True
    )
    assignment_id = assignment.pk
    services.unassign(user=erin_editor, assignment=assignment)

    entries = Entry.objects.filter(kind="assignment", object_id=assignment_id)
    assert [(e.action, e.actor_name, e.owner, e.public) for e in entries] == [
        ("assigned", "erin_editor", bob_journalist, False),
        ("edited", "erin_editor", bob_journalist, False),
        ("withdrawn", "erin_editor", bob_journalist, False),
    ]
    assert entries[0].changes == [
        {"field": "blind", "from": None, "to": True},
        {"field": "show_published", "from": None, "to": False},
        {"field": "assignee", "from": None, "to": "bob_journalist"},
    ]
    assert entries[1].changes == [{"field": "show_published", "from": False, "to": True}]
    # Who asked whom is the claim's history for editors and the assignee; nobody else's.
    expected = [("assignment", "assigned"), ("assignment", "edited"), ("assignment", "withdrawn")]
    assert history_actions(as_user(erin_editor), claim) == expected
    assert history_actions(as_user(bob_journalist), claim) == expected
    assert history_actions(as_user(journalist("carol_journalist")), claim) == []
    assert history_actions(api, claim) == []
    # The assignee's feed names the claim they were asked about.
    assert feed_after(as_user(bob_journalist), since) == [(claim.pk, "upsert")]
    assert_read_model_clean(capsys)


# The admin's versions


def annotation_change_form(annotation: Annotation, **changes) -> dict:
    return {
        "tags": list(annotation.tags.values_list("pk", flat=True)),
        "confidence": str(annotation.confidence),
        "verdict": annotation.verdict,
        "rationale": annotation.rationale,
        "reason": "",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
        **changes,
    }


def test_the_admin_refuses_an_annotation_change_based_on_a_version_changed_since(
    client, alice_journalist, adam_admin
):
    claim = mark_sentence(alice_journalist, CaptureFactory())
    annotation = services.create_annotation(user=alice_journalist, claim=claim, confidence=0.6)
    client.force_login(adam_admin)
    url = f"/admin/annotations/annotation/{annotation.pk}/change/"
    rendered = re.search(r'name="expected_version" value="(\d+)"', client.get(url).text)
    assert rendered and rendered.group(1) == "1"
    # Alice changes it while the admin's form is open.
    services.update_annotation(
        user=alice_journalist, annotation=annotation, confidence=0.7, expected_version=1
    )

    stale = client.post(
        url, annotation_change_form(annotation, confidence="0.9", expected_version="1")
    )
    assert stale.status_code == 200
    assert "Someone else changed this annotation since you opened it" in stale.text
    annotation.refresh_from_db()
    assert (annotation.version, float(annotation.confidence)) == (2, 0.7)

    fresh = client.post(
        url, annotation_change_form(annotation, confidence="0.9", expected_version="2")
    )
    assert fresh.status_code == 302
    annotation.refresh_from_db()
    assert (annotation.version, float(annotation.confidence)) == (3, 0.9)
