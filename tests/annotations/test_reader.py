"""The reader's paragraphs: DOM text equal to the capture's text, data-start offsets in code
points, highlights as escaped <mark> spans."""

import re

import pytest
from django.utils import timezone

from annotations.models import Annotation
from desk.reader import Highlight, paragraphs
from tests.factories import AnnotationFactory, AppearanceFactory, CaptureFactory, TagFactory

TEXT = "Le 🚀 décolle « vite ».\n\nL’armée <b>dément</b> 😀.\n  \nFin."


def dom_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">")


def test_paragraph_offsets_count_code_points_and_dom_text_is_the_capture_text():
    result = paragraphs(TEXT)
    assert [(p.start, p.end) for p in result] == [(0, 22), (24, 48), (52, 56)]
    for paragraph in result:
        html = paragraph.as_html()
        assert f'data-start="{paragraph.start}"' in html
        assert dom_text(html) == TEXT[paragraph.start : paragraph.end]


def test_paragraph_text_is_escaped():
    html = paragraphs(TEXT)[1].as_html()
    assert "&lt;b&gt;dément&lt;/b&gt;" in html
    assert "<b>" not in html


class FakeAppearance:
    def __init__(self, pk, start, end, claim_id=1):
        self.pk, self.start, self.end, self.claim_id = pk, start, end, claim_id
        self.claim = type(
            "Claim", (), {"pk": claim_id, "source_edit_list": [], "__str__": lambda s: "a <claim>"}
        )()


def test_a_highlight_across_paragraphs_is_cut_at_the_break_and_keeps_one_tab_stop():
    start, end = TEXT.index("vite"), TEXT.index("L’armée") + len("L’armée")
    highlight = Highlight(FakeAppearance(7, start, end), "published", ["Unverified"])
    first, second, _ = paragraphs(TEXT, [highlight])
    marks = re.findall(r"<mark [^>]*>[^<]*</mark>", first.as_html() + second.as_html())
    assert [dom_text(m) for m in marks] == ["vite ».", "L’armée"]
    assert 'tabindex="0"' in marks[0] and "tabindex" not in marks[1]
    assert 'data-tags="Unverified"' in marks[1] and "data-tags" not in marks[0]
    # The accessible name starts with the visible text, then says what it is.
    assert 'aria-label="vite ». (claim, published, tagged Unverified)"' in marks[0]


def test_overlapping_highlights_split_into_segments_with_the_innermost_first():
    outer = Highlight(FakeAppearance(1, 0, 22, claim_id=1), "draft", [])
    inner = Highlight(FakeAppearance(2, 5, 12, claim_id=2), "published", [])
    (paragraph, *_) = paragraphs(TEXT, [outer, inner])
    assert [(s.start, s.end) for s in paragraph.segments] == [(0, 5), (5, 12), (12, 22)]
    assert [h.appearance.pk for h in paragraph.segments[1].highlights] == [2, 1]
    assert 'class="hl status-published hl-overlap"' in paragraph.as_html()


@pytest.mark.django_db
def test_reader_page_highlights_by_status_with_tags(client, alice_journalist):
    capture = CaptureFactory()
    appearance = AppearanceFactory(capture=capture, claim__created_by=alice_journalist)
    AnnotationFactory(
        claim=appearance.claim,
        author=alice_journalist,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
        tags=[TagFactory(slug="unverified", label="Unverified")],
    )
    html = client.get(f"/articles/{capture.article_id}/").text
    mark = re.search(r"<mark [^>]*>([^<]*)</mark>", html)
    assert mark.group(1) == appearance.quote
    assert "status-published" in mark.group(0)
    assert 'data-tags="Unverified"' in mark.group(0)
