"""Matching the desk's tag patterns on lemmas, so that inflection and elision do not break
them: "aucune raison officielle … n’a été rendue publique" matches the patterns "aucune raison
officielle" and "rendre public".

A text and a pattern are both cut into words (elided articles and pronouns such as "l’" and
"n’" left out, since they carry no meaning a pattern needs), each word replaced by its lemma
in the pattern's language (simplemma, lower case). A pattern matches where its lemmas occur
in order with at most MAX_GAP other words between two of them ("no reason was officially
given" still matches "no reason given").
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import simplemma

from intelligence.insertions import ELISION_RE, base_language

MAX_GAP = 2
TOKEN_RE = re.compile(r"[^\W_]+(?:[-‐][^\W_]+)*")


@dataclass(frozen=True)
class Pattern:
    tag: str
    language: str
    phrase: str


@lru_cache(maxsize=200_000)
def lemma(word: str, language: str) -> str:
    word = word.lower()
    try:
        return simplemma.lemmatize(word, lang=language).lower()
    except ValueError:  # a language simplemma does not know: match on the words themselves
        return word


def lemmas(text: str, language: str) -> list[str]:
    """The lemmas of the words of `text`, elisions left out."""
    language = base_language(language)
    result = []
    for piece in text.split():
        elided = ELISION_RE.match(piece)
        if elided:
            piece = piece[elided.end() :]
        result.extend(lemma(token, language) for token in TOKEN_RE.findall(piece))
    return result


def matches(sequence: Sequence[str], pattern: Sequence[str]) -> bool:
    """Whether `pattern` occurs in `sequence` in order, with at most MAX_GAP words between
    two of its words."""
    if not pattern:
        return False
    for first in (i for i, item in enumerate(sequence) if item == pattern[0]):
        position, ok = first, True
        for wanted in pattern[1:]:
            window = sequence[position + 1 : position + 2 + MAX_GAP]
            if wanted not in window:
                ok = False
                break
            position = position + 1 + window.index(wanted)
        if ok:
            return True
    return False


def matching(sentence: str, language: str, patterns: Iterable[Pattern]) -> list[Pattern]:
    """The patterns of `language` that `sentence` matches."""
    words = lemmas(sentence, language)
    return [p for p in patterns if matches(words, lemmas(p.phrase, p.language))]
