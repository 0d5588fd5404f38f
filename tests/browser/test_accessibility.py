"""Accessibility in a real browser: axe-core finds no serious or critical violation on any
page, as the role that uses it; the reader, marking and review work by keyboard alone; and the
reader, the claim page and the review queue fit a 390 px wide phone."""

import pytest
from playwright.sync_api import expect

from annotations import services
from tests.factories import CLAIM_SENTENCE, CaptureFactory, TagFactory, mark_sentence

from .conftest import serious_violations

# serialized_rollback: the role groups come from a data migration that a flush would erase.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def newsroom(transactional_db, alice_journalist, bob_journalist, erin_editor):
    return build_newsroom(alice_journalist, bob_journalist, erin_editor)


def build_newsroom(alice_journalist, bob_journalist, erin_editor) -> dict:
    """An article with a marked claim that Alice annotated and submitted, then resubmitted
    after a return, and a published one of Bob's; the tag vocabulary."""
    for slug, label in (("unverified", "Unverified"), ("disputed", "Disputed")):
        TagFactory(slug=slug, label=label)
    capture = CaptureFactory(article__language="fr")
    start = capture.text.index(CLAIM_SENTENCE)
    claim = mark_sentence(alice_journalist, capture)
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence="0.6", tags=["unverified"], submit=True
    )
    services.return_annotation(
        user=erin_editor,
        annotation=annotation,
        comment="Which date?",
        expected_version=annotation.version,
    )
    annotation.refresh_from_db()
    services.submit_annotation(
        user=alice_journalist, annotation=annotation, expected_version=annotation.version
    )
    published = services.create_annotation(
        user=bob_journalist, claim=claim, confidence="0.8", verdict="unverifiable", submit=True
    )
    services.publish_annotation(
        user=erin_editor, annotation=published, expected_version=published.version
    )
    # A second claim, of which Bob keeps a draft (Alice has not annotated it).
    other = mark_sentence(bob_journalist, capture, "le Kirghizistan a annulé les exercices")
    draft = services.create_annotation(user=bob_journalist, claim=other, confidence="0.3")
    return {
        "capture": capture,
        "claim": claim,
        "other": other,
        "draft": draft,
        "start": start,
        "annotation": annotation,
    }


def pages(data) -> list[tuple[str, str]]:
    """(role, path) of every page: None for an anonymous reader."""
    article = data["capture"].article_id
    claim = data["claim"].pk
    start = data["start"]
    end = start + len(CLAIM_SENTENCE)
    mark = f"/articles/{article}/mark/?capture={data['capture'].pk}&start={start}&end={end}"
    return [
        (None, "/"),
        (None, "/articles/"),
        (None, f"/articles/{article}/"),
        (None, "/claims/"),
        (None, f"/claims/{claim}/"),
        (None, f"/articles/{article}/history/"),
        (None, "/accounts/login/"),
        (None, "/tags/"),
        ("journalist", "/"),
        ("journalist", f"/articles/{article}/"),
        ("journalist", mark),
        ("journalist", f"/articles/{article}/mark/"),
        ("editor", f"/claims/{data['other'].pk}/annotate/"),
        ("bob", f"/annotations/{data['draft'].pk}/edit/"),
        ("journalist", "/articles/add/"),
        ("journalist", "/accounts/name/"),
        ("journalist", "/claims/"),
        ("editor", "/"),
        ("editor", "/review/"),
        ("editor", "/tags/"),
        ("editor", f"/claims/{claim}/"),
    ]


def test_every_page_has_no_serious_accessibility_violation(
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
            opened[role] = new_page(users[role])
        page = opened[role]
        response = page.goto(path)
        assert response.status < 400, (role, path, response.status)
        violations = serious_violations(page, axe_source)
        if violations:
            found[f"{role or 'anonymous'} {path}"] = violations
    assert found == {}


def tab_to(page, condition: str, presses: int = 60) -> None:
    """Press Tab until `condition` (JavaScript) holds for the focused element."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(condition):
            return
    raise AssertionError(f"Tab never reached: {condition}")


def test_reading_marking_and_review_work_by_keyboard_alone(
    new_page, newsroom, alice_journalist, erin_editor, live_server
):
    article = newsroom["capture"].article_id
    # A reader tabs to a highlight and opens its claim with Enter.
    page = new_page(alice_journalist)
    page.goto(f"/articles/{article}/")
    tab_to(page, "document.activeElement.matches('mark.hl')")
    page.keyboard.press("Enter")
    expect(page.locator("#claim-panel")).to_contain_text("80 %")

    # Marking by keyboard: the "type the passage" link, then the form.
    page.goto(f"/articles/{article}/")
    tab_to(page, "document.activeElement.textContent.trim() === 'or type the passage'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/mark/**")
    tab_to(page, "document.activeElement.name === 'find'")
    page.keyboard.type("Juste un jour avant")
    tab_to(page, "document.activeElement.textContent.trim() === 'Find the passage'")
    page.keyboard.press("Enter")
    expect(page.locator("mark.status-selected")).to_contain_text("Juste un jour avant")
    tab_to(page, "document.activeElement.textContent.trim() === 'Mark claim'")
    page.keyboard.press("Enter")
    # Marked: straight on to annotating the new claim.
    page.wait_for_url("**/claims/*/annotate/")
    expect(page.locator("h1")).to_have_text("Annotate this claim")
    expect(page.locator(".claim-text")).to_contain_text("Juste un jour avant")

    # Review by keyboard: the editor tabs to Publish and presses Enter.
    editor = new_page(erin_editor)
    editor.goto("/review/")
    tab_to(editor, "document.activeElement.textContent.trim() === 'Publish'")
    editor.keyboard.press("Enter")
    editor.wait_for_url(f"{live_server.url}/review/")
    expect(editor.get_by_text("Nothing awaits review.")).to_be_visible()


@pytest.mark.parametrize("who", ["journalist", "editor"])
def test_reader_claim_page_and_queue_fit_a_phone(
    new_page, newsroom, alice_journalist, erin_editor, who
):
    user = alice_journalist if who == "journalist" else erin_editor
    page = new_page(user)
    page.set_viewport_size({"width": 390, "height": 844})
    article = newsroom["capture"].article_id
    claim = newsroom["claim"].pk
    paths = {
        "journalist": [
            (f"/articles/{article}/", "#mark-button"),
            (f"/claims/{claim}/", "text=Edit"),
        ],
        "editor": [("/review/", "button.publish"), (f"/claims/{claim}/", "button.publish")],
    }[who]
    for path, action in paths:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        target = page.locator(action).first
        target.scroll_into_view_if_needed()
        expect(target).to_be_visible()
        box = target.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (path, box)
