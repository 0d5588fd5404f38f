"""A capture's analysis: its foreign insertions (stored in CaptureAnalysis when the capture
is stored, or by a worker once an import's batch is committed) and, computed when asked since
patterns and marks change, the sentences the desk's patterns suggest as claims and the tags
suggested for the capture as a whole."""

from dataclasses import dataclass, field

from django.conf import settings

from accounts import roles
from annotations.models import Appearance, CaptureAnalysis, Claim, Tag, TagPattern
from archive.models import Capture
from archive.services import language_of
from intelligence import insertions, patterns, sentences

METHOD = "wordfreq-zipf-margin/1"
SPUN_TAG = "spun-or-garbled-text"


@dataclass
class Suggestion:
    start: int
    end: int
    quote: str
    tags: list[str]
    reason: str


@dataclass
class Analysis:
    capture: Capture
    language: str
    foreign_spans: list[dict]
    suggestions: list[Suggestion] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def declared_language(capture: Capture) -> str:
    """The language the capture's text is declared in: the article's, else its source's
    (detected from the text while an import's detection is pending)."""
    return language_of(capture)


def analyse_capture(capture: Capture, *, new: bool = False) -> CaptureAnalysis:
    """Detect the capture's foreign insertions and store them, replacing an earlier analysis
    (`new`: the capture was just stored, so it has none and one INSERT does)."""
    language = declared_language(capture)
    spans = [span.as_dict() for span in insertions.detect(capture.text, language)]
    if new:
        return CaptureAnalysis.objects.create(
            capture=capture, language=language, foreign_spans=spans, method=METHOD
        )
    analysis, _ = CaptureAnalysis.objects.update_or_create(
        capture=capture,
        defaults={"language": language, "foreign_spans": spans, "method": METHOD},
    )
    return analysis


def stored_analysis(capture: Capture, within: tuple[int, int] | None = None) -> CaptureAnalysis:
    """The capture's stored analysis; computed now, without storing it (reads do not write;
    `manage.py analyse_captures` does), when it has none or an older method's — then only
    for the code points `within` [start, end), when given (the part of a long text shown)."""
    analysis = CaptureAnalysis.objects.filter(capture=capture).first()
    # Pending (an import's, not computed yet), missing or outdated: computed for this read.
    if analysis is None or analysis.method != METHOD:
        language = declared_language(capture)
        start, end = within or (0, len(capture.text))
        spans = [
            span.as_dict() | {"start": span.start + start, "end": span.end + start}
            for span in insertions.detect(capture.text[start:end], language)
        ]
        analysis = CaptureAnalysis(
            capture=capture, language=language, foreign_spans=spans, method=METHOD
        )
    return analysis


def suggest_claims(
    capture: Capture,
    language: str,
    user: roles.AnyUser,
    within: tuple[int, int] | None = None,
) -> list[Suggestion]:
    """Sentences of the capture (or of its code points `within` [start, end)) that match the
    tag patterns of its language, except those overlapping a claim already marked there
    (among the claims `user` may see)."""
    base = insertions.base_language(language)
    rows = TagPattern.objects.filter(language__in={language, base}).values_list(
        "tag__slug", "language", "phrase"
    )
    known = [patterns.Pattern(*row) for row in rows]
    if not known:
        return []
    marked = list(
        Appearance.objects.filter(
            capture=capture, claim__in=Claim.objects.visible_to(user)
        ).values_list("start", "end")
    )
    result = []
    first, last = within or (0, len(capture.text))
    for start, end in sentences.split(capture.text[first:last]):
        start, end = start + first, end + first
        if any(s < end and e > start for s, e in marked):
            continue
        sentence = capture.text[start:end]
        found = patterns.matching(sentence, base, known)
        if not found:
            continue
        tags = list(dict.fromkeys(p.tag for p in found))
        reason = "matches: " + "; ".join(dict.fromkeys(p.phrase for p in found))
        result.append(Suggestion(start, end, sentence, tags, reason))
    return result


def capture_tags(foreign_spans: list[dict]) -> list[str]:
    """Tags suggested for the capture as a whole: `spun-or-garbled-text` when it has at
    least CLAIMDESK_SPUN_MIN_INSERTIONS foreign insertions (and the vocabulary has it)."""
    many = len(foreign_spans) >= settings.CLAIMDESK_SPUN_MIN_INSERTIONS
    return [SPUN_TAG] if many and Tag.objects.filter(slug=SPUN_TAG).exists() else []


def analyse(
    capture: Capture, user: roles.AnyUser, within: tuple[int, int] | None = None
) -> Analysis:
    """The capture's analysis as `user` sees it: the whole of it, or (for the reader's part
    of a long text) the spans and suggestions within the code points [start, end)."""
    stored = stored_analysis(capture, within)
    first, last = within or (0, len(capture.text))
    return Analysis(
        capture=capture,
        language=stored.language,
        foreign_spans=[
            span for span in stored.foreign_spans if span["start"] < last and span["end"] > first
        ],
        suggestions=suggest_claims(capture, stored.language, user, within),
        tags=capture_tags(stored.foreign_spans),
    )
