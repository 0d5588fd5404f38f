"""Sentence splitting that knows French typography: « guillemets » and ” closing a sentence,
the typographic apostrophe, non-breaking spaces before ; : ! ?, and abbreviations ("M.",
"Mme", "p. ex.", "J.-C.") and initials that do not end one."""

import re

# Words that end with a full stop without ending the sentence (compared in lower case).
ABBREVIATIONS = frozenset(
    [
        "janv",
        "févr",
        "avr",
        "juil",
        "sept",
        "oct",
        "nov",
        "déc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "dec",
        "m",
        "mm",
        "mme",
        "mmes",
        "mlle",
        "mlles",
        "dr",
        "pr",
        "me",
        "st",
        "ste",
        "cf",
        "ex",
        "env",
        "av",
        "apr",
        "hab",
        "ann",
        "art",
        "chap",
        "fig",
        "vol",
        "éd",
        "mr",
        "mrs",
        "ms",
        "prof",
        "gen",
        "sen",
        "rep",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "no",
        "nº",
        "approx",
        "dept",
        "est",
        "hr",
        "frau",
        "str",
        "nr",
        "bzw",
        "usw",
        "sra",
        "sr",
        "dña",
        "dr",
        "ud",
        "uds",
        "núm",
        "pág",
        "ул",
        "г",
        "гг",
        "им",
        "др",
    ]
)
# A sentence ends after . ! ? or … (and any closing quotes or brackets), before a space and
# the start of a next sentence: a capital, a digit, or an opening quote or dash.
BOUNDARY_RE = re.compile(
    r"[.!?…]+(?:[ \u00a0\u202f]?[»”])?[’\"')\]]*(?=\s+[«“\"'(\[—–-]?\s*[\dA-ZÀ-ÖØ-ÞА-ЯЁ])"
)
WORD_BEFORE_RE = re.compile(r"([^\W\d_]+)\.$")


def split(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point spans of the sentences of `text`, trimmed of whitespace; a line
    break always ends a sentence."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for boundary in BOUNDARY_RE.finditer(line.group()):
            end = line.start() + boundary.end()
            if _is_abbreviation(text, line.start() + boundary.start(), boundary.group()):
                continue
            spans.append((start, end))
            start = end
        spans.append((start, line.end()))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def _is_abbreviation(text: str, at: int, punctuation: str) -> bool:
    if not punctuation.startswith(".") or punctuation.startswith(".."):
        return False
    before = WORD_BEFORE_RE.search(text[max(0, at - 20) : at + 1])
    if before is None:
        return False
    word = before.group(1)
    # An initial ("J. Smith", "J.-C.") or a known abbreviation.
    return len(word) == 1 or word.lower() in ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
