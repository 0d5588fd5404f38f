"""A claim's wording after publication: an editor's act with a reason, kept in the journal;
its creator may fix the wording while nothing about it is published."""

import pytest

from annotations import services
from journal.models import Entry
from tests.factories import AnnotationFactory, ClaimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(alice_journalist):
    return ClaimFactory(created_by=alice_journalist, text="Les vols sont annulés.")


def publish(claim, erin_editor):
    from django.utils import timezone

    AnnotationFactory(claim=claim, status="published", published_at=timezone.now())


def test_creator_fixes_wording_before_publication_and_it_is_recorded(
    as_user, alice_journalist, claim
):
    response = as_user(alice_journalist).patch(
        f"/api/claims/{claim.pk}/", {"text": "Les vols vers Bichkek sont annulés."}, format="json"
    )
    assert response.status_code == 200
    entry = Entry.objects.about("claim", claim.pk).get()
    assert (entry.action, entry.actor_name, entry.public) == ("edited", "alice_journalist", False)
    assert entry.changes == [
        {
            "field": "text",
            "from": "Les vols sont annulés.",
            "to": "Les vols vers Bichkek sont annulés.",
        }
    ]


def test_creator_cannot_change_wording_once_published(
    as_user, alice_journalist, erin_editor, claim
):
    publish(claim, erin_editor)
    response = as_user(alice_journalist).patch(
        f"/api/claims/{claim.pk}/", {"text": "Autre chose."}, format="json"
    )
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.text == "Les vols sont annulés."
    assert not Entry.objects.about("claim", claim.pk).exists()


def test_editor_changes_published_wording_only_with_a_reason(as_user, erin_editor, claim):
    publish(claim, erin_editor)
    client = as_user(erin_editor)
    refused = client.patch(f"/api/claims/{claim.pk}/", {"text": "Autre chose."}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    claim.refresh_from_db()
    assert claim.text == "Les vols sont annulés."

    response = client.patch(
        f"/api/claims/{claim.pk}/",
        {"text": "Autre chose.", "reason": "Quote the minister exactly."},
        format="json",
    )
    assert response.status_code == 200
    entry = Entry.objects.about("claim", claim.pk).get()
    assert (entry.reason, entry.public, entry.actor_name) == (
        "Quote the minister exactly.",
        True,
        "erin_editor",
    )


def test_a_write_that_changes_nothing_records_nothing(alice_journalist, claim):
    services.update_claim(user=alice_journalist, claim=claim, text=claim.text)
    assert not Entry.objects.exists()
