"""The reader's text: a capture split into paragraphs whose DOM text is exactly the capture's
text, with appearances rendered as <mark> spans and foreign-word insertions as
<span class="foreign">.

Offsets contract (shared with static/js/reader.js): each paragraph element carries
`data-start`, the code-point offset of its first character in `capture.text`. The line breaks
between paragraphs are not in the DOM, and nothing else is: no whitespace, no generated text
(tags are shown with CSS `::after`, a "source edited" badge with `::before`, neither part of
the DOM text). The browser converts
its UTF-16 selection offsets to code points relative to `data-start`; the server counts code
points (Python string indices) and verifies the quote.

A long capture is shown in parts (`text_pages`) of at most PAGE_CHARS code points, so that
its page stays small and fast; the offsets stay those of the whole text.
"""

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext

from annotations.models import Annotation, Appearance, Claim
from archive.models import language_name

PARAGRAPH_RE = re.compile(r"[^\n]+")

# Code points of a capture's text one reader page shows (a few hundred kilobytes of HTML at
# most, however long the capture).
PAGE_CHARS = 60_000

# The status a highlight shows: the most advanced of the claim's annotations the reader sees.
STATUS_RANK = {
    Annotation.Status.PUBLISHED: 4,
    Annotation.Status.SUBMITTED: 3,
    Annotation.Status.RETURNED: 2,
    Annotation.Status.DRAFT: 1,
    Annotation.Status.RETRACTED: 0,
}


def leading_annotation(claim: Claim) -> Annotation | None:
    """The annotation a claim is shown by: the most advanced in the workflow of those
    prefetched as `claim.visible_annotations` (the earliest of equals); None if there is none.
    A highlight's colour and its tags both come from it, so they describe the same
    annotation."""
    annotations = list(claim.visible_annotations)
    if not annotations:
        return None
    best = max(STATUS_RANK[a.status] for a in annotations)
    return next(a for a in annotations if STATUS_RANK[a.status] == best)


def claim_status(claim: Claim) -> str:
    """'published', 'submitted', 'returned', 'draft', or 'unannotated': the status of the
    claim's leading annotation."""
    leading = leading_annotation(claim)
    return leading.status if leading else "unannotated"


def claim_tag_labels(claim: Claim) -> list[str]:
    """The tag labels of the claim's leading annotation (the one its status comes from), in
    the active language."""
    leading = leading_annotation(claim)
    return [tag.label_in() for tag in leading.tags.all()] if leading else []


@dataclass
class Highlight:
    """One appearance as the reader shows it."""

    appearance: Appearance
    status: str
    tags: list[str]

    @property
    def start(self) -> int:
        return self.appearance.start

    @property
    def end(self) -> int:
        return self.appearance.end


@dataclass
class Segment:
    start: int
    end: int
    text: str
    highlights: list[Highlight] = field(default_factory=list)
    foreign: dict | None = None  # the foreign-insertion span this segment is in, if any


@dataclass
class Paragraph:
    start: int
    end: int
    segments: list[Segment]

    def as_html(self) -> SafeString:
        return format_html(
            '<p class="para" data-start="{}" data-end="{}">{}</p>',
            self.start,
            self.end,
            format_html_join("", "{}", ((_segment_html(s),) for s in self.segments)),
        )


def highlights_for(appearances: Iterable[Appearance]) -> list[Highlight]:
    """Highlights for appearances whose claims carry `visible_annotations`."""
    return [Highlight(a, claim_status(a.claim), claim_tag_labels(a.claim)) for a in appearances]


@dataclass(frozen=True)
class TextPage:
    """One part of a capture's text as the reader shows it: code points [start, end)."""

    number: int
    start: int
    end: int


def text_pages(text: str, size: int = PAGE_CHARS) -> list[TextPage]:
    """`text` cut into parts of at most `size` code points: after a line break in the part's
    second half, else (a very long paragraph) after a space there, else at `size`. A part
    may so begin or end inside a paragraph; its pieces keep their offsets. An empty text is
    one empty part."""
    pages: list[TextPage] = []
    start = 0
    while start < len(text) or not pages:
        end = min(start + size, len(text))
        if end < len(text):
            middle = start + size // 2
            cut = text.rfind("\n", middle, end)
            if cut == -1:
                cut = text.rfind(" ", middle, end)
            if cut != -1:
                end = cut + 1
        pages.append(TextPage(len(pages) + 1, start, end))
        start = end
    return pages


def page_of(pages: Sequence[TextPage], offset: int) -> TextPage:
    """The part holding the code point at `offset` (the last part for the text's end)."""
    return next((page for page in pages if offset < page.end), pages[-1])


def paragraphs(
    text: str,
    highlights: Sequence[Highlight] = (),
    page: TextPage | None = None,
    foreign: Sequence[dict] = (),
) -> list[Paragraph]:
    """`text` (or its `page`) as paragraphs (runs of non-newline characters), each cut into
    segments at every highlight and foreign-insertion boundary (`foreign`: spans with start,
    end, language, score); whitespace-only lines are left out like the line breaks. Offsets
    are the whole text's."""
    result = []
    first, last = (page.start, page.end) if page else (0, len(text))
    highlights = [h for h in highlights if h.start < last and h.end > first]
    foreign = [f for f in foreign if f["start"] < last and f["end"] > first]
    for match in PARAGRAPH_RE.finditer(text, first, last):
        if not match.group().strip():
            continue
        p_start, p_end = match.span()
        inside = [h for h in highlights if h.start < p_end and h.end > p_start]
        words = [f for f in foreign if f["start"] < p_end and f["end"] > p_start]
        bounds = {p_start, p_end}
        for item in [(h.start, h.end) for h in inside] + [(f["start"], f["end"]) for f in words]:
            bounds.update(min(max(edge, p_start), p_end) for edge in item)
        cuts = sorted(bounds)
        segments = []
        for s, e in itertools.pairwise(cuts):
            covering = [h for h in inside if h.start < e and h.end > s]
            # Innermost first: the latest start, then the shortest span.
            covering.sort(key=lambda h: (-h.start, h.end))
            in_word = next((f for f in words if f["start"] < e and f["end"] > s), None)
            segments.append(Segment(s, e, text[s:e], covering, in_word))
        result.append(Paragraph(p_start, p_end, segments))
    return result


def _foreign_html(segment: Segment) -> SafeString:
    """The segment's text, wrapped (when it is part of a foreign insertion) in a span whose
    tooltip names the language."""
    if segment.foreign is None:
        return format_html("{}", segment.text)
    code = segment.foreign["language"]
    name = language_name(code)
    return format_html(
        '<span class="foreign" lang="{}" title="{}">{}</span>',
        code,
        gettext("Looks like %(language)s inserted in the text (score %(score)s)")
        % {"language": name, "score": number_format(segment.foreign["score"], 2)},
        segment.text,
    )


def _source_edited(claim: Claim) -> str:
    """ "Source edited 7 Dec 2026" (its latest edit) for a claim whose source was silently
    edited, else ""."""
    edits = claim.source_edit_list
    if not edits:
        return ""
    return gettext("Source edited %(date)s") % {"date": date_format(localtime(edits[0]["at"]))}


def _segment_html(segment: Segment) -> SafeString:
    if not segment.highlights:
        return _foreign_html(segment)
    primary = segment.highlights[0]
    claim = primary.appearance.claim
    claim_ids = " ".join(str(h.appearance.claim_id) for h in segment.highlights)
    starts_here = primary.start == segment.start
    ends_here = primary.end == segment.end
    attrs = {
        "class": f"hl status-{primary.status}"
        + (" hl-overlap" if len(segment.highlights) > 1 else ""),
        "data-claims": claim_ids,
        "data-appearance": primary.appearance.pk,
        "data-url": reverse("annotations:claim-detail", args=[claim.pk]),
    }
    if starts_here:
        # One tab stop per appearance: its first segment.
        attrs["tabindex"] = "0"
        attrs["role"] = "button"
        # The accessible name starts with the text one sees (WCAG 2.5.3, label in name).
        tags = f", tagged {', '.join(primary.tags)}" if primary.tags else ""
        edited = _source_edited(claim)
        if edited:
            # A badge before the claim's text (CSS ::before), and in its accessible name; the
            # panel it opens shows the sentence before and after.
            attrs["data-edited"] = edited
            tags += f", {edited}"
        attrs["aria-label"] = f"{segment.text} (claim, {primary.status}{tags})"
    if ends_here and primary.tags:
        attrs["data-tags"] = " · ".join(primary.tags)
    return format_html(
        "<mark {}>{}</mark>",
        format_html_join(" ", '{}="{}"', attrs.items()),
        _foreign_html(segment),
    )
