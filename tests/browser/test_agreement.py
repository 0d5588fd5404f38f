"""The agreement page in a real browser: an editor opens it from the navigation and reads the
figures, the heat map and the scatter, under the site's Content Security Policy."""

import random
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from annotations.models import Annotation
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def double_annotated(transactional_db):
    """Thirty claims, each annotated by four journalists who mostly agree."""
    rng = random.Random(4)
    verdicts = list(Annotation.Verdict.values)
    people = [factories.journalist(name) for name in ("ann", "bea", "cid", "dan")]
    tags = [factories.TagFactory(slug=s, label=s.title()) for s in ("framing", "sourcing")]
    claims = []
    for _ in range(30):
        claim = factories.ClaimFactory(created_by=people[0])
        truth = rng.choice(verdicts)
        level = rng.random()
        for person in people:
            factories.AnnotationFactory(
                claim=claim,
                author=person,
                verdict=truth if rng.random() < 0.75 else rng.choice(verdicts),
                confidence=Decimal(f"{min(1, max(0, level + rng.uniform(-0.2, 0.2))):.3f}"),
                status=Annotation.Status.PUBLISHED,
                published_at=timezone.now(),
                tags=[t for t in tags if rng.random() < 0.4],
            )
        claims.append(claim)
    return claims


def test_an_editor_reads_the_agreement_page(new_page, erin_editor, double_annotated, tmp_path):
    page = new_page(erin_editor)
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    # The navigation keeps Agreement in its menu, a disclosure that needs no script.
    page.locator(".menu > summary").click()
    page.get_by_role("navigation", name="More").get_by_role("link", name="Agreement").click()
    expect(page.get_by_role("heading", name="Agreement between annotators")).to_be_visible()
    expect(page.locator(".agreement-summary")).to_have_text("30 claims · 4 annotators")
    verdict_row = page.get_by_role("row", name="Verdict (nominal)")
    expect(verdict_row).to_contain_text(" to ")  # its interval
    heat_map = page.locator("svg.heat-map")
    expect(heat_map).to_be_visible()
    assert heat_map.locator("rect").count() == 4 + 12  # the diagonal, then 6 pairs twice
    expect(page.locator("svg.scatter circle")).to_have_count(30)

    # Another pair on the scatter, the filters kept.
    page.get_by_label("Across", exact=True).select_option("cid")
    page.get_by_label("Up", exact=True).select_option("dan")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("svg.scatter title").first).to_contain_text("Confidence of cid")

    # One click from the strongest disagreement to its claim.
    first = page.locator("ol.disagreements a").first
    first.click()
    assert "/claims/" in page.url
    page.go_back()
    page.screenshot(path=str(tmp_path / "agreement.png"), full_page=True)
    assert violations == [] and page.js_errors == []
