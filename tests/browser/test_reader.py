"""The journalists' story in a real browser: select a passage, mark it as a claim, annotate
it, submit it; an editor publishes it; anonymous readers see it."""

import datetime as dt
import json
import shutil

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.actors import IMPORT
from annotations import services
from annotations.models import Annotation, Appearance, Claim
from archive.ingest.documents import CapturePayload, parse_text_document
from archive.models import Capture
from archive.services import archive_article
from tests.factories import CLAIM_SENTENCE, ArticleFactory

from .conftest import save_screenshot, select_text

# serialized_rollback: the role groups come from a data migration that a flush would erase.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CAPTURED_AT = dt.datetime(2022, 10, 12, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def seed_article(transactional_db, tmp_path):
    """The seed article and the tag vocabulary, without the seed's example claim: here the
    journalist marks it."""
    seeds = settings.BASE_DIR / "seeds"
    shutil.copy(seeds / "tags.json", tmp_path / "tags.json")
    (tmp_path / "seed.json").write_text(json.dumps({"articles": []}))
    call_command("load_seeds", seeds_dir=tmp_path, verbosity=0)
    title, body = parse_text_document(
        (seeds / "000_8c62be7ee0a13371.txt").read_text(encoding="utf-8")
    )
    return archive_article(
        actor=IMPORT,
        title=title,
        capture=CapturePayload(text=body, origin="seed", captured_at=CAPTURED_AT),
        language="fr",
    ).article


def test_journalist_marks_annotates_and_submits_then_editor_publishes(
    new_page, seed_article, alice_journalist, erin_editor
):
    page = new_page(alice_journalist)
    page.goto(f"/articles/{seed_article.pk}/")
    selected = select_text(page, CLAIM_SENTENCE)
    assert selected == CLAIM_SENTENCE
    expect(page.locator("#mark-button")).to_be_enabled()
    page.locator("#mark-button").click()

    expect(page.get_by_role("heading", name="Mark a claim")).to_be_visible()
    expect(page.locator(".quote-in-context mark")).to_have_text(CLAIM_SENTENCE)
    page.get_by_role("button", name="Mark claim").click()

    expect(page.get_by_role("heading", name="Annotate this claim")).to_be_visible()
    page.get_by_label("Search the vocabulary").fill("official")
    expect(page.get_by_label("Unilateral decision")).to_be_hidden()
    page.get_by_label("No official reason given").check()
    page.locator("#id_confidence").fill("80")
    expect(page.locator("#confidence-output")).to_have_text("80")
    page.get_by_label("Link").fill("https://www.example.org/kyrgyz-mod-statement")
    page.get_by_label("Rationale").fill("Bishkek has not explained the cancellation.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messages")).to_contain_text("Submitted for review")

    capture = Capture.objects.get(article=seed_article)
    appearance = Appearance.objects.select_related("claim").get()
    start = capture.text.index(CLAIM_SENTENCE)
    assert (appearance.capture_id, appearance.start, appearance.end, appearance.quote) == (
        capture.pk,
        start,
        start + len(CLAIM_SENTENCE),
        CLAIM_SENTENCE,
    )
    annotation = Annotation.objects.get()
    assert annotation.status == Annotation.Status.SUBMITTED
    assert str(annotation.confidence) == "0.800"
    assert [t.slug for t in annotation.tags.all()] == ["no-official-reason-given"]
    assert annotation.evidence.get().url == "https://www.example.org/kyrgyz-mod-statement"
    assert not Claim.objects.visible_to(AnonymousUser()).exists()

    editor = new_page(erin_editor)
    editor.goto("/review/")
    expect(editor.locator(".review-item")).to_contain_text(CLAIM_SENTENCE)
    editor.get_by_role("button", name="Publish").click()
    expect(editor.locator(".messages")).to_contain_text("Published")
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.PUBLISHED
    assert list(Claim.objects.visible_to(AnonymousUser())) == [appearance.claim]

    visitor = new_page()
    visitor.goto(f"/articles/{seed_article.pk}/")
    highlight = visitor.locator("mark.hl.status-published")
    expect(highlight).to_have_text(CLAIM_SENTENCE)
    expect(highlight).to_have_attribute("data-tags", "No official reason given")
    highlight.focus()
    visitor.keyboard.press("Enter")
    expect(visitor.locator("#claim-panel")).to_contain_text("Bishkek has not explained")
    expect(visitor.locator("#claim-panel")).to_be_focused()
    expect(visitor.locator("#mark-form")).to_have_count(0)

    # More claims in other states, for the editor's view of the reader in the README.
    text = capture.text
    for phrase, tag, submit in (
        ("dans une décision unilatérale", "unilateral-decision", True),
        ("la power collective", "spun-or-garbled-text", False),
    ):
        i = text.index(phrase)
        marked, _ = services.mark_claim(
            user=alice_journalist, capture=capture, start=i, end=i + len(phrase), quote=phrase
        )
        services.create_annotation(
            user=alice_journalist, claim=marked.claim, confidence="0.6", tags=[tag], submit=submit
        )
    editor.goto(f"/articles/{seed_article.pk}/")
    editor.locator("mark.status-published").first.click()
    expect(editor.locator("#claim-panel")).to_contain_text("Bishkek has not explained")
    expect(editor.locator("mark.status-submitted")).to_have_count(1)
    editor.evaluate("window.scrollTo(0, 0)")
    save_screenshot(editor, "reader.png")
    assert page.js_errors == editor.js_errors == visitor.js_errors == []


def test_selection_across_a_paragraph_boundary_is_stored_with_the_break(new_page, alice_journalist):
    first = "Le Kirghizistan a annulé les exercices."
    second = "Juste un jour avant, les exercices se sont terminés."
    capture = Capture.objects.create(
        article=ArticleFactory(), text=f"{first}\n\n{second}", origin="paste"
    )
    page = new_page(alice_journalist)
    page.goto(f"/articles/{capture.article_id}/")
    select_text(page, "annulé", "Juste un jour")
    page.locator("#mark-button").click()
    start = capture.text.index("annulé")
    end = capture.text.index("Juste un jour") + len("Juste un jour")
    expect(page.locator("input[name=start]")).to_have_value(str(start))
    expect(page.locator("input[name=end]")).to_have_value(str(end))
    page.get_by_role("button", name="Mark claim").click()
    expect(page.get_by_role("heading", name="Annotate this claim")).to_be_visible()
    appearance = Appearance.objects.get()
    assert (appearance.start, appearance.end) == (start, end)
    assert appearance.quote == "annulé les exercices.\n\nJuste un jour"


def test_offsets_count_code_points_around_typographic_quotes_and_emoji(new_page, alice_journalist):
    text = (
        "Le ministre 🇰🇬 a dit « l’exercice 🚀 est annulé » hier.\n\n"
        "Réaction 😀 : « C’est une event distinctive », selon l’agence."
    )
    capture = Capture.objects.create(article=ArticleFactory(), text=text, origin="paste")
    page = new_page(alice_journalist)
    page.goto(f"/articles/{capture.article_id}/")
    for quote in ("« l’exercice 🚀 est annulé »", "« C’est une event distinctive »", "’agence"):
        select_text(page, quote)
        page.locator("#mark-button").click()
        start = text.index(quote)
        expect(page.locator("input[name=start]")).to_have_value(str(start))
        expect(page.locator("input[name=end]")).to_have_value(str(start + len(quote)))
        expect(page.locator(".quote-in-context mark")).to_have_text(quote)
        page.go_back()
    # The last one stored, too: the server accepts the quote at these offsets.
    select_text(page, "🚀 est")
    page.locator("#mark-button").click()
    page.get_by_role("button", name="Mark claim").click()
    expect(page.get_by_role("heading", name="Annotate this claim")).to_be_visible()
    appearance = Appearance.objects.get()
    assert (appearance.start, appearance.quote) == (text.index("🚀 est"), "🚀 est")
    # The reader highlights exactly that span, UTF-16 surrogates and all.
    page.goto(f"/articles/{capture.article_id}/")
    expect(page.locator("mark.hl")).to_have_text("🚀 est")


def test_journalist_cannot_publish_but_editor_can(
    new_page, alice_journalist, bob_journalist, erin_editor, capture
):
    i = capture.text.index(CLAIM_SENTENCE)
    appearance, _ = services.mark_claim(
        user=bob_journalist,
        capture=capture,
        start=i,
        end=i + len(CLAIM_SENTENCE),
        quote=CLAIM_SENTENCE,
    )
    annotation = services.create_annotation(
        user=bob_journalist, claim=appearance.claim, confidence="0.7", submit=True
    )
    claim_url = f"/claims/{appearance.claim_id}/"

    author = new_page(bob_journalist)
    author.goto(claim_url)
    expect(author.get_by_text("awaiting review").first).to_be_visible()
    expect(author.get_by_role("button", name="Publish")).to_have_count(0)
    status = author.evaluate(
        """async (url) => {
            const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
            const response = await fetch(url, {
                method: "POST",
                headers: {
                    "X-CSRFToken": token,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                body: "version=2",
            });
            return response.status;
        }""",
        f"/annotations/{annotation.pk}/publish/",
    )
    assert status == 403
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.SUBMITTED

    editor = new_page(erin_editor)
    editor.goto(claim_url)
    editor.get_by_role("button", name="Publish").click()
    expect(editor.locator(".messages")).to_contain_text("Published")
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.PUBLISHED
    assert annotation.reviewed_by == erin_editor
