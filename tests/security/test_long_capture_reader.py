"""Regression: the reader shows a long capture in parts, so a 5 MB capture's page stays
small and fast, and the offsets (data-start, highlights) stay the whole text's on every part
(issue 10, defect 6)."""

import lxml.html
import pytest
from django.urls import reverse

from desk.reader import PAGE_CHARS, page_of, text_pages
from tests.factories import CLAIM_SENTENCE, AppearanceFactory, CaptureFactory

pytestmark = pytest.mark.django_db

FILLER = "Le ministère a publié un communiqué sans donner de raison précise ce mardi. " * 6


@pytest.fixture
def long_capture():
    """About 5 MB of text in paragraphs, the claim sentence once, three fifths of the way."""
    paragraphs = [f"{number}. {FILLER}" for number in range(11_000)]
    paragraphs.insert(6_600, f"Ceci est décisif : {CLAIM_SENTENCE} Voilà.")
    capture = CaptureFactory(text="\n\n".join(paragraphs))
    assert len(capture.text.encode()) > 5_000_000
    return capture


def paras(html: str) -> list:
    return lxml.html.fromstring(html).xpath('//*[@id="capture-text"]/p[@class="para"]')


def test_a_5_mb_captures_reader_page_is_one_bounded_part(client, long_capture):
    # Bounded in what it renders, not timed: timings on a shared machine are noise (the
    # benchmark measures speed).
    url = reverse("annotations:reader", args=[long_capture.article_id])
    response = client.get(url)

    assert response.status_code == 200
    shown = "".join(p.text_content() for p in paras(response.text))
    assert len(shown) <= PAGE_CHARS
    assert len(response.content) < 3 * PAGE_CHARS  # markup included, not 5 MB
    assert "Part 1 of " in response.text


def test_every_part_shows_the_text_at_its_own_offsets(client, long_capture):
    text = long_capture.text
    pages = text_pages(text)
    url = reverse("annotations:reader", args=[long_capture.article_id])
    covered = []
    for number in (1, 2, len(pages) // 2, len(pages)):
        for para in paras(client.get(url, {"page": number}).text):
            start, end = int(para.get("data-start")), int(para.get("data-end"))
            assert para.text_content() == text[start:end]
            covered.append((start, end))
    assert covered[0][0] == 0
    assert covered[-1][1] == len(text)


def test_a_highlight_on_a_later_part_keeps_its_offsets(client, long_capture):
    appearance = AppearanceFactory(capture=long_capture)
    client.force_login(appearance.claim.created_by)
    part = page_of(text_pages(long_capture.text), appearance.start)
    assert part.number > 1
    url = reverse("annotations:reader", args=[long_capture.article_id])

    page = client.get(url, {"page": part.number}).text

    mark = lxml.html.fromstring(page).xpath(f'//mark[@data-appearance="{appearance.pk}"]')[0]
    para = mark.getparent()
    before = (para.text or "") + "".join(
        child.text_content() + (child.tail or "") for child in para[: para.index(mark)]
    )
    # data-start plus the code points before the mark: the appearance's own offset.
    assert int(para.get("data-start")) + len(before) == appearance.start
    assert mark.text_content() == CLAIM_SENTENCE
    # The claims list links to the part holding it.
    assert f"page={part.number}" in page
    assert 'data-appearance="' not in client.get(url, {"page": 1}).text
