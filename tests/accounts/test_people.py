"""People's names: the "Your name" page and service, and the name the interface shows."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.people import display_name
from annotations.services import rename_person, set_name

pytestmark = pytest.mark.django_db


def test_display_name_prefers_the_full_name_and_falls_back_to_the_login(alice_journalist):
    assert display_name(alice_journalist) == "alice_journalist"
    set_name(user=alice_journalist, first_name="  Alice ", last_name="Martin ")
    alice_journalist.refresh_from_db()
    assert (alice_journalist.first_name, alice_journalist.last_name) == ("Alice", "Martin")
    assert display_name(alice_journalist) == "Alice Martin"
    assert display_name(AnonymousUser()) == display_name(None) == ""


def test_set_name_refuses_names_too_long_and_anonymous_users(alice_journalist):
    with pytest.raises(ValidationError) as error:
        set_name(user=alice_journalist, first_name="A" * 151, last_name="")
    assert error.value.message_dict == {"first_name": ["At most 150 characters."]}
    with pytest.raises(ValidationError):
        set_name(user=AnonymousUser(), first_name="Eve", last_name="")


def test_only_admins_rename_people_and_a_login_name_stays_unique(
    alice_journalist, erin_editor, adam_admin
):
    names = {"first_name": "", "last_name": ""}
    with pytest.raises(PermissionDenied):
        rename_person(user=erin_editor, person=alice_journalist, username="alice", **names)
    with pytest.raises(ValidationError) as error:
        rename_person(user=adam_admin, person=alice_journalist, username="erin_editor", **names)
    assert list(error.value.message_dict) == ["username"]
    alice_journalist.refresh_from_db()
    assert alice_journalist.username == "alice_journalist"


def test_your_name_page_sets_the_name_shown_in_the_navigation(client, alice_journalist):
    assert client.get("/accounts/name/").url.startswith("/accounts/login/")
    client.force_login(alice_journalist)
    page = client.get("/").text
    assert 'href="/accounts/name/">Your name</a>' in page
    assert "Log out alice_journalist" in page
    response = client.post(
        "/accounts/name/", {"first_name": "Alice", "last_name": "Martin"}, follow=True
    )
    assert "Your name is saved." in response.text
    assert "Log out Alice Martin" in response.text
    assert 'value="Martin"' in response.text


def test_your_name_page_shows_errors_instead_of_failing(client, alice_journalist):
    client.force_login(alice_journalist)
    response = client.post("/accounts/name/", {"first_name": "A" * 200, "last_name": ""})
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.text


def test_annotations_credit_the_authors_name_where_set(
    client, alice_journalist, erin_editor, capture
):
    from annotations import services
    from tests.factories import mark_sentence

    claim = mark_sentence(alice_journalist, capture)
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence="0.6", verdict="unverifiable", submit=True
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    set_name(user=alice_journalist, first_name="Alice", last_name="Martin")
    page = client.get(f"/claims/{claim.pk}/").text
    assert "<strong>Alice Martin</strong>" in page
    review = client.get(f"/api/claims/{claim.pk}/claimreview/")
    assert review.status_code == 200
    assert review.json()["@graph"][0]["author"] == {"@type": "Person", "name": "Alice Martin"}
