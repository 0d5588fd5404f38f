"""The History sections of the claim page and the annotation edit page, and revert from the
edit page."""

import pytest

from annotations import services
from journal.models import Entry
from tests.journal.test_history_api import story  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_claim_page_shows_changes_readably_to_editors(client, erin_editor, story):  # noqa: F811
    client.force_login(erin_editor)
    page = client.get(f"/claims/{story.claim_id}/").content.decode()
    assert 'id="history"' in page
    assert "60 % → 70 %" in page
    assert '<ins class="tag">no-source</ins>' in page
    assert '<del class="tag">disputed</del>' in page
    assert "<del>Draft thinking.</del>" in page or "<del>Draft thinking</del>" in page


def test_claim_page_history_hides_drafts_from_anonymous_readers(client, story):  # noqa: F811
    page = client.get(f"/claims/{story.claim_id}/").content.decode()
    assert 'id="history"' in page
    assert "Draft thinking" not in page
    assert "published" in page


def test_author_reverts_from_the_edit_page(client, alice_journalist, erin_editor, story):  # noqa: F811
    services.return_annotation(
        user=erin_editor, annotation=story, comment="Redo", expected_version=story.version
    )
    story.refresh_from_db()
    client.force_login(alice_journalist)
    page = client.get(f"/annotations/{story.pk}/edit/").content.decode()
    assert "History" in page and 'name="to_version"' in page
    response = client.post(
        f"/annotations/{story.pk}/revert/", {"to_version": "1", "version": story.version}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.rationale == "Draft thinking."
    assert Entry.objects.about("annotation", story.pk).last().action == "reverted"


def test_editor_retracts_from_the_claim_page(client, erin_editor, story):  # noqa: F811
    client.force_login(erin_editor)
    page = client.get(f"/claims/{story.claim_id}/").content.decode()
    assert f"/annotations/{story.pk}/retract/" in page
    client.post(
        f"/annotations/{story.pk}/retract/", {"reason": "Bad data.", "version": story.version}
    )
    story.refresh_from_db()
    assert story.status == "retracted"
    page = client.get(f"/claims/{story.claim_id}/").content.decode()
    assert "retracted: Bad data." in page


def test_history_speaks_in_sentences_without_field_names(client, erin_editor, story):  # noqa: F811
    """Marking showed "start — → 1392", "anchoring score — → 1.0"; it reads as a sentence."""
    client.force_login(erin_editor)
    page = client.get(f"/claims/{story.claim_id}/").content.decode()
    appearance = story.claim.appearances.get()
    assert f"marked at characters {appearance.start}–{appearance.end}" in page
    assert "confidence 60 % → 70 %" in page
    assert "tags added:" in page and "tags removed:" in page
    for internal in ("start", "anchoring score", "anchoring method", "— →", "→ —"):
        assert internal not in _history_of(page), internal


def _history_of(page: str) -> str:
    return page[page.index('id="history"') :]


def test_changed_counts_edits_only_from_the_journal(client, erin_editor, story):  # noqa: F811
    """Created, edited once, submitted, published: version 4, but changed once."""
    client.force_login(erin_editor)
    page = client.get(f"/claims/{story.claim_id}/").content.decode()
    assert story.version == 4
    assert "changed once" in page and "changed 3 times" not in page
