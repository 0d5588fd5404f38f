"""The reader's claim intelligence in a real browser: foreign insertions underlined with
their language, a suggested claim accepted into marking and annotating with its tags
preselected, and the capture-level tag applied in one click."""

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Appearance

from .test_reader import seed_article  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OFFICIAL = (
    "Aucune raison officielle de l’annulation n’a été rendue publique par les autorités kirghizes."
)


def test_reader_underlines_insertions_and_accepts_a_suggested_claim_with_its_tags(
    new_page,
    seed_article,  # noqa: F811
    alice_journalist,
):
    page = new_page(alice_journalist)
    page.goto(f"/articles/{seed_article.pk}/")
    power = page.locator("#capture-text .foreign", has_text="power")
    expect(power).to_have_count(1)
    assert "English" in power.get_attribute("title")
    assert page.locator("#capture-text .foreign").count() >= 3
    # The DOM text is still exactly the capture's text: offsets hold.
    expect(page.locator(".para", has_text="power")).to_contain_text("la power collective")

    suggestion = page.locator(".suggested-claim", has_text="Aucune raison officielle")
    expect(suggestion).to_contain_text("No official reason given")
    expect(suggestion).to_contain_text("matches: aucune raison officielle")
    suggestion.get_by_role("link", name="Mark as claim").click()

    expect(page.get_by_role("heading", name="Mark a claim")).to_be_visible()
    expect(page.locator(".quote-in-context mark")).to_have_text(OFFICIAL)
    page.get_by_role("button", name="Mark claim").click()

    expect(page.get_by_role("heading", name="Annotate this claim")).to_be_visible()
    expect(page.get_by_label("No official reason given")).to_be_checked()
    expect(page.get_by_label("Unilateral decision")).not_to_be_checked()
    assert Appearance.objects.get().quote == OFFICIAL


def test_journalist_tags_a_spun_article_in_one_click(
    new_page,
    seed_article,  # noqa: F811
    alice_journalist,
):
    page = new_page(alice_journalist)
    page.goto(f"/articles/{seed_article.pk}/")
    page.get_by_role("button", name="Tag the article’s claim “Spun or garbled text”").click()
    expect(page.locator(".messages")).to_contain_text("Tagged")
    annotation = Annotation.objects.get(author=alice_journalist)
    assert [t.slug for t in annotation.tags.all()] == ["spun-or-garbled-text"]
    assert "power" in annotation.rationale
