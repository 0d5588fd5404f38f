"""The reader's text: a capture split into paragraphs whose DOM text is exactly the capture's
text, with appearances rendered as <mark> spans.

Offsets contract (shared with static/js/reader.js): each paragraph element carries
`data-start`, the code-point offset of its first character in `capture.text`. The line breaks
between paragraphs are not in the DOM, and nothing else is: no whitespace, no generated text
(tags are shown with CSS `::after`, which is not part of the DOM text). The browser converts
its UTF-16 selection offsets to code points relative to `data-start`; the server counts code
points (Python string indices) and verifies the quote.
"""

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .models import Annotation, Appearance, Claim

PARAGRAPH_RE = re.compile(r"[^\n]+")

# The status a highlight shows: the most advanced of the claim's annotations the reader sees.
STATUS_RANK = {
    Annotation.Status.PUBLISHED: 4,
    Annotation.Status.SUBMITTED: 3,
    Annotation.Status.RETURNED: 2,
    Annotation.Status.DRAFT: 1,
    Annotation.Status.RETRACTED: 0,
}


def claim_status(claim: Claim) -> str:
    """'published', 'submitted', 'returned', 'draft', or 'unannotated', from the annotations
    prefetched as `claim.visible_annotations`."""
    statuses = [a.status for a in claim.visible_annotations]
    if not statuses:
        return "unannotated"
    return max(statuses, key=lambda s: STATUS_RANK[s])


def claim_tag_labels(claim: Claim) -> list[str]:
    labels: list[str] = []
    for annotation in claim.visible_annotations:
        for tag in annotation.tags.all():
            if tag.label not in labels:
                labels.append(tag.label)
    return labels


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


def paragraphs(text: str, highlights: Sequence[Highlight] = ()) -> list[Paragraph]:
    """`text` as paragraphs (runs of non-newline characters), each cut into segments at every
    highlight boundary; whitespace-only lines are left out like the line breaks."""
    result = []
    for match in PARAGRAPH_RE.finditer(text):
        if not match.group().strip():
            continue
        p_start, p_end = match.span()
        inside = [h for h in highlights if h.start < p_end and h.end > p_start]
        bounds = {p_start, p_end}
        for h in inside:
            bounds.update((min(max(h.start, p_start), p_end), min(max(h.end, p_start), p_end)))
        cuts = sorted(bounds)
        segments = []
        for s, e in itertools.pairwise(cuts):
            covering = [h for h in inside if h.start < e and h.end > s]
            # Innermost first: the latest start, then the shortest span.
            covering.sort(key=lambda h: (-h.start, h.end))
            segments.append(Segment(s, e, text[s:e], covering))
        result.append(Paragraph(p_start, p_end, segments))
    return result


def _segment_html(segment: Segment) -> SafeString:
    if not segment.highlights:
        return format_html("{}", segment.text)
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
        attrs["aria-label"] = f"Claim ({primary.status}): {claim}"
    if ends_here and primary.tags:
        attrs["data-tags"] = " · ".join(primary.tags)
    return format_html(
        "<mark {}>{}</mark>",
        format_html_join(" ", '{}="{}"', attrs.items()),
        segment.text,
    )
