"""Foreign-insertion detection: words of a text that belong to another language than the one
the text is declared in ("la power collective" in a French article).

The method, word by word, with the frequency lists wordfreq ships (Zipf scale: 6 is "the",
3 is one word in a million, 0 is unseen):

1. Skip what is not evidence: words of fewer than three letters, acronyms (two capitals or
   more), proper names (a capital not at the start of a sentence), pieces of code, addresses
   and identifiers ("allow_future", "get_absolute_url()", "example.org"), and anything inside
   quotation marks (titles, quoted speech).
2. A word is native when it is common in the declared language (Zipf ≥ NATIVE_ZIPF), or
   when its lemma is (simplemma's dictionary for that language, so rare inflections of common
   words are not mistaken for foreign ones).
3. Otherwise it is foreign when its frequency in a candidate language exceeds its frequency
   in the declared language by at least MARGIN Zipf points (about 30 times as frequent) and
   is itself at least FOREIGN_ZIPF. Established loanwords ("leader", "week-end", "email")
   have a native frequency close to the foreign one and are kept.
4. Adjacent foreign words of the same language form one span. The score is the margin
   mapped to 0–1.

Elided French articles and pronouns ("l’affect", "d’choices") are split off first; a
hyphenated compound is judged as one word ("week-end" as "weekend").
"""

import contextlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import simplemma
from wordfreq import available_languages, get_frequency_dict

# Candidate languages an insertion may come from, as wordfreq codes.
CANDIDATES = ("en", "fr", "de", "es")
# Zipf thresholds (see the module docstring).
NATIVE_ZIPF = 4.0
FOREIGN_ZIPF = 3.0
MARGIN = 1.3
MIN_LETTERS = 3

WORD_RE = re.compile(r"[^\W\d_]+(?:[-‐'’][^\W\d_]+)*")
APOSTROPHES = "'’"
# Elisions: a short word cut before a vowel and joined with an apostrophe ("l’", "qu’").
ELISION_RE = re.compile(r"^(?:[a-zA-Z]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
OPENING_QUOTES = '«“„"'
CLOSING_QUOTES = '»”"'
SENTENCE_END = ".!?…:;\n"
IDENTIFIER_BEFORE = "_./\\@#<>="
IDENTIFIER_AFTER = "_(@/\\<>="


@dataclass(frozen=True)
class ForeignSpan:
    start: int
    end: int
    text: str
    language: str
    score: float

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "language": self.language,
            "score": self.score,
        }


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    return frozenset(available_languages(wordlist="best"))


@lru_cache(maxsize=16)
def _frequencies(language: str) -> dict[str, float]:
    """wordfreq's frequency list for `language`; empty for a language it has none for."""
    if language not in _available():
        return {}
    return get_frequency_dict(language, wordlist="best")


def zipf(word: str, language: str) -> float:
    """The Zipf frequency of `word` (lower case) in `language`, from the bundled list."""
    frequency = _frequencies(language).get(word, 0.0)
    return round(math.log10(frequency) + 9, 2) if frequency else 0.0


@lru_cache(maxsize=100_000)
def _native_zipf(word: str, language: str) -> float:
    own = zipf(word, language)
    if own >= NATIVE_ZIPF:
        return own
    try:
        lemma = simplemma.lemmatize(word, lang=language)
    except ValueError:  # a language simplemma does not know
        return own
    if lemma != word and simplemma.is_known(word, lang=language):
        return max(own, zipf(lemma.lower(), language))
    return own


@lru_cache(maxsize=100_000)
def judge(word: str, language: str) -> tuple[str, float] | None:
    """(candidate language, margin) when the lower-case `word` reads as foreign in a text in
    `language`, else None."""
    native = _native_zipf(word, language)
    if native >= NATIVE_ZIPF:
        return None
    best: tuple[str, float] | None = None
    for candidate in CANDIDATES:
        if candidate == language:
            continue
        other = zipf(word, candidate)
        margin = other - native
        if other >= FOREIGN_ZIPF and margin >= MARGIN and (best is None or margin > best[1]):
            best = (candidate, margin)
    return best


def prepare(language: str) -> None:
    """Load what judging words of a text in `language` reads (the frequency lists, the
    lemma dictionary) and forget the words judged so far, so that a timing that follows
    measures the detection of words never seen."""
    for code in (language, *CANDIDATES):
        _frequencies(code)
    with contextlib.suppress(ValueError):  # a language simplemma does not know
        simplemma.lemmatize("prepare", lang=language)
    _native_zipf.cache_clear()
    judge.cache_clear()


def base_language(language: str) -> str:
    """The language subtag of a BCP 47 tag, lower case ("pt-BR" → "pt")."""
    return (language or "").split("-")[0].lower()


def _is_acronym(word: str) -> bool:
    return sum(1 for ch in word if ch.isupper()) >= 2


def _sentence_start(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence (nothing but spaces and punctuation that
    opens, like quotes or dashes, since the last sentence end)."""
    i = start - 1
    while i >= 0 and (text[i].isspace() or text[i] in "«“\"(–—-'’"):
        i -= 1
    return i < 0 or text[i] in SENTENCE_END


def _in_identifier(text: str, start: int, end: int) -> bool:
    """Whether the word is glued to code-like punctuation or digits: part of an identifier,
    a path, an address or a call rather than of the prose."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    following = text[end + 1] if end + 1 < len(text) else " "
    return (
        before in IDENTIFIER_BEFORE
        or before.isdigit()
        or after in IDENTIFIER_AFTER
        or after.isdigit()
        or (after in ".:" and following.isalnum())
    )


def _quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Spans inside « », “ ” or straight double quotes, each closed within one paragraph."""
    ranges = []
    for match in re.finditer(r"«[^»\n]*»|“[^”\n]*”|\"[^\"\n]*\"", text):
        ranges.append(match.span())
    return ranges


def _words(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, word) for each word, elisions split off."""
    for match in WORD_RE.finditer(text):
        start, word = match.start(), match.group()
        elision = ELISION_RE.match(word)
        if elision and len(word) > elision.end():
            start += elision.end()
            word = word[elision.end() :]
        yield start, start + len(word), word


def detect(text: str, language: str) -> list[ForeignSpan]:
    """The foreign insertions in `text`, declared to be in `language`, in text order."""
    language = base_language(language)
    if not _frequencies(language):
        return []
    quoted = _quoted_ranges(text)
    flagged: list[tuple[int, int, str, float]] = []
    q = 0
    for start, end, word in _words(text):
        while q < len(quoted) and quoted[q][1] <= start:
            q += 1
        if q < len(quoted) and quoted[q][0] < start:
            continue
        letters = sum(1 for ch in word if ch.isalpha())
        if letters < MIN_LETTERS or _is_acronym(word):
            continue
        if word[0].isupper() and not _sentence_start(text, start):
            continue
        if _in_identifier(text, start, end):
            continue
        key = re.sub(r"[-‐]", "", word.lower()).replace("’", "'")
        verdict = judge(key, language)
        if verdict:
            flagged.append((start, end, *verdict))
    return _merge(text, flagged)


def _merge(text: str, flagged: list[tuple[int, int, str, float]]) -> list[ForeignSpan]:
    spans: list[ForeignSpan] = []
    run: list[tuple[int, int, str, float]] = []

    def close():
        if run:
            start, end = run[0][0], run[-1][1]
            margin = max(item[3] for item in run)
            score = round(min(1.0, 0.5 + (margin - MARGIN) / 3), 3)
            spans.append(ForeignSpan(start, end, text[start:end], run[0][2], score))
            run.clear()

    for item in flagged:
        if run and (item[2] != run[-1][2] or text[run[-1][1] : item[0]].strip() != ""):
            close()
        run.append(item)
    close()
    return spans
