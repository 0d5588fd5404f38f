"""The French interface in a real browser: chosen with the switch in the navigation (by
keyboard), it holds on every page, passes axe-core with no serious or critical violation and
fits a 390 px wide phone."""

import pytest
from playwright.sync_api import expect

from archive.models import ImportJob

from .conftest import save_screenshot, select_text, serious_violations
from .test_accessibility import build_newsroom, pages

# serialized_rollback: the role groups come from a data migration that a flush would erase.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def newsroom(transactional_db, alice_journalist, bob_journalist, erin_editor):
    return build_newsroom(alice_journalist, bob_journalist, erin_editor)


def switch_to_french(page) -> None:
    """Tab to the switch's "Français" button and press Enter, as a keyboard user would."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim() === 'Français'"):
            break
    else:
        raise AssertionError("Tab never reached the language switch")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_the_switch_turns_every_page_french_without_accessibility_violations(
    new_page, axe_source, newsroom, alice_journalist, bob_journalist, erin_editor
):
    users = {
        None: None,
        "journalist": alice_journalist,
        "bob": bob_journalist,
        "editor": erin_editor,
    }
    opened = {}
    found = {}
    for role, path in pages(newsroom):
        if role not in opened:
            opened[role] = page = new_page(users[role])
            page.goto("/")
            switch_to_french(page)
            expect(page.locator("h2#recent-heading")).to_have_text("Archivés récemment")
            expect(page.get_by_role("button", name="Français")).to_have_attribute(
                "aria-pressed", "true"
            )
        page = opened[role]
        response = page.goto(path)
        assert response.status < 400, (role, path, response.status)
        assert page.locator("html").get_attribute("lang") == "fr", (role, path)
        violations = serious_violations(page, axe_source)
        if violations:
            found[f"{role or 'anonymous'} {path}"] = violations
    assert found == {}
    editor = opened["editor"]
    editor.goto("/review/")
    expect(editor.locator("h1")).to_contain_text("File de relecture")
    save_screenshot(editor, "review-fr.png")


def test_french_pages_fit_a_phone(new_page, newsroom, erin_editor, alice_journalist):
    # An import that has run (made here, not queued, so that no worker fetches anything).
    ImportJob.objects.create(
        created_by=alice_journalist,
        created_by_name=alice_journalist.username,
        inputs=[{"url": "https://example.org/a", "name": "https://example.org/a"}] * 2,
        status=ImportJob.Status.FAILED,
        total=2,
        done=2,
        failed=2,
    )
    page = new_page(erin_editor)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    switch_to_french(page)
    article = newsroom["capture"].article_id
    claim = newsroom["claim"].pk
    paths = ("/", f"/articles/{article}/", f"/claims/{claim}/", "/review/", "/claims/", "/imports/")
    for path in paths:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    page.goto(f"/articles/{article}/")
    expect(page.locator("#claims-here-heading")).to_have_text("Affirmations dans cette capture")


def test_page_scripts_speak_french(new_page, newsroom, alice_journalist):
    """The words the scripts write (the chosen count, the selected passage) come from the page,
    in its language."""
    page = new_page(alice_journalist)
    page.goto("/claims/")
    switch_to_french(page)
    page.get_by_label("Disputed").check()
    expect(page.locator(".choice-count").first).to_have_text("1 choisie")
    page.goto(f"/articles/{newsroom['capture'].article_id}/")
    select_text(page, "Juste un jour avant")
    expect(page.locator("#mark-hint")).to_have_text(
        "Sélection\u00a0: «\u00a0Juste un jour avant\u00a0»"
    )
