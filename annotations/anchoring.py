"""Finding a quote again in a new version of a text. Pure functions on strings, no database.

The order follows what the W3C TextQuoteSelector and annotation tools do: the exact quote
when it occurs once; when it occurs several times, the occurrence whose surroundings best
match the recorded prefix and suffix; and only then a fuzzy match (rapidfuzz) scoring at
least the threshold, on word boundaries. Offsets count Unicode code points.
"""

from dataclasses import dataclass

from rapidfuzz import fuzz

EXACT = "exact"
CONTEXT = "context"
FUZZY = "fuzzy"


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    method: str  # EXACT, CONTEXT or FUZZY
    score: float  # 1.0 for an exact quote; similarity in [0, 1] otherwise


def occurrences(text: str, quote: str) -> list[int]:
    """Every offset where `quote` starts in `text` (overlaps included)."""
    found, position = [], text.find(quote)
    while position >= 0:
        found.append(position)
        position = text.find(quote, position + 1)
    return found


def context_fit(text: str, start: int, end: int, prefix: str, suffix: str) -> float:
    """How well the text around [start, end) matches the recorded prefix and suffix, 0–1."""
    scores = []
    if prefix:
        scores.append(fuzz.ratio(text[max(0, start - len(prefix)) : start], prefix) / 100)
    if suffix:
        scores.append(fuzz.ratio(text[end : end + len(suffix)], suffix) / 100)
    return sum(scores) / len(scores) if scores else 0.0


def _word_starts(text: str, low: int, high: int) -> list[int]:
    low, high = max(0, low), min(len(text), high)
    return [
        i for i in range(low, high) if not text[i].isspace() and (i == 0 or text[i - 1].isspace())
    ]


def _word_ends(text: str, low: int, high: int) -> list[int]:
    low, high = max(1, low), min(len(text), high)
    return [
        i
        for i in range(low, high + 1)
        if not text[i - 1].isspace() and (i == len(text) or text[i].isspace())
    ]


def _fuzzy_candidates(text: str, quote: str, prefix: str, suffix: str) -> set[tuple[int, int]]:
    """Rough spans where a reworded quote may sit: rapidfuzz's best alignment, and the gap
    between the recorded prefix and suffix when both are still there."""
    spans = set()
    alignment = fuzz.partial_ratio_alignment(quote, text)
    if alignment is not None and alignment.dest_end > alignment.dest_start:
        spans.add((alignment.dest_start, alignment.dest_end))
    if prefix and suffix:
        for before in occurrences(text, prefix):
            after = text.find(suffix, before + len(prefix))
            gap = after - (before + len(prefix))
            if after >= 0 and 0 < gap <= 3 * len(quote):
                spans.add((before + len(prefix), after))
    return spans


def fuzzy_match(
    text: str, quote: str, *, prefix: str = "", suffix: str = "", threshold: float
) -> Match | None:
    """The span of `text` most similar to `quote`, on word boundaries, if its similarity
    (rapidfuzz ratio, 0–1) reaches `threshold`; ties go to the better context."""
    if not text.strip() or not quote.strip():
        return None
    slack = max(12, len(quote) // 4)
    best: tuple[float, float, int, int] | None = None
    for rough_start, rough_end in _fuzzy_candidates(text, quote, prefix, suffix):
        starts = _word_starts(text, rough_start - slack, rough_start + slack)
        ends = _word_ends(text, rough_end - slack, rough_end + slack)
        for start in starts:
            for end in ends:
                if end <= start or ("\n" in text[start:end] and "\n" not in quote):
                    continue
                score = fuzz.ratio(quote, text[start:end]) / 100
                if best is None or score > best[0]:
                    best = (score, context_fit(text, start, end, prefix, suffix), start, end)
                elif score == best[0]:
                    fit = context_fit(text, start, end, prefix, suffix)
                    if fit > best[1]:
                        best = (score, fit, start, end)
    if best is None or best[0] < threshold:
        return None
    return Match(best[2], best[3], FUZZY, round(best[0], 4))


def best_fuzzy_score(text: str, quote: str) -> float:
    """How close the text comes to containing `quote` at all (for orphans' records), 0–1."""
    if not text or not quote:
        return 0.0
    return round(fuzz.partial_ratio(quote, text) / 100, 4)


def find_quote(
    text: str, quote: str, *, prefix: str = "", suffix: str = "", threshold: float = 0.75
) -> Match | None:
    """Where `quote` (recorded with `prefix` and `suffix`) is in `text`: exact, by context,
    or fuzzy above `threshold`; None when it cannot be found."""
    if not quote:
        return None
    found = occurrences(text, quote)
    if len(found) == 1:
        return Match(found[0], found[0] + len(quote), EXACT, 1.0)
    if found:
        fits = [(context_fit(text, s, s + len(quote), prefix, suffix), -s) for s in found]
        fit, negative_start = max(fits)
        start = -negative_start
        return Match(start, start + len(quote), CONTEXT, round(fit, 4))
    return fuzzy_match(text, quote, prefix=prefix, suffix=suffix, threshold=threshold)
