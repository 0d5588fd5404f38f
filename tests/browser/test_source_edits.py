"""A claim whose sentence the article silently reworded, in a real browser: the reader's
highlight starts with a "Source edited" badge that is no part of the text (selections beside it
keep their offsets), and the claim it opens shows the sentence before and after."""

import pytest
from playwright.sync_api import expect

from accounts.actors import IMPORT
from annotations import services
from annotations.models import Appearance
from archive.ingest.documents import CapturePayload
from archive.services import add_capture
from tests.factories import ArticleFactory, CaptureFactory

from .conftest import select_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BEFORE = "Le ministre a dit que l’exercice commun est annulé sans explication."
AFTER = "Le ministre a déclaré que l’exercice commun est annulé sans explication."
REST = " Puis il est parti 🚀 vers Bichkek."


def test_the_reader_badges_an_edited_claim_and_selections_beside_it_keep_their_offsets(
    new_page, alice_journalist
):
    first = CaptureFactory(article=ArticleFactory(), text=BEFORE + REST)
    services.mark_claim(
        user=alice_journalist, capture=first, start=0, end=len(BEFORE), quote=BEFORE
    )
    second = add_capture(
        actor=IMPORT,
        article=first.article,
        capture=CapturePayload(text=AFTER + REST, origin="file"),
    )
    assert Appearance.objects.get().capture == second

    page = new_page(alice_journalist)
    page.goto(f"/articles/{first.article_id}/")
    mark = page.locator("mark.hl")
    expect(mark).to_have_text(AFTER)
    badge = mark.evaluate("m => getComputedStyle(m, '::before').content")
    assert badge.startswith('"Source edited ')
    # The badge is not part of the text the offsets count.
    select_text(page, "Puis il est parti 🚀")
    page.locator("#mark-button").click()
    start = second.text.index("Puis il est parti 🚀")
    expect(page.locator("input[name=start]")).to_have_value(str(start))
    page.go_back()

    mark.click()
    panel = page.locator("#claim-panel")
    expect(panel.locator(".badge.source-edited")).to_have_text("Source edited")
    panel.locator(".source-edits summary").click()
    expect(panel.locator(".before-after q").first).to_have_text(BEFORE)
    expect(panel.locator(".before-after q").last).to_have_text(AFTER)
