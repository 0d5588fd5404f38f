"""Measuring foreign-insertion detection on real sentences with insertions made by a
documented, seeded procedure.

The sentences are the French and English messages of the translation catalogues that ship
with the installed packages (Django and its contrib apps, Django REST framework,
django-filter): each message is a real English sentence (msgid) with its real French
translation (msgstr). Placeholders ("%(name)s", "{value}") and HTML tags are removed; a
sentence needs at least three words.

Every sentence is evaluated twice: untouched (any span flagged is a false positive) and with
one insertion, made by `insert_word` with a random generator seeded per sentence:

- the word replaced is a content word of the sentence: lower case, at least four letters, not
  the first word, and not among the most frequent words of its language (Zipf ≤ 5.5, which
  leaves out "the", "vous", "les"…);
- the word put in its place is taken from the sentence's own translation (so it is the kind
  of word a machine would swap in: "adresse" → "address"), a word of at least four letters
  of the other language that simplemma's dictionary knows in that language (no names or
  brands) and does not know in the sentence's language (so cognates spelled alike,
  "permission", are not counted as foreign), and that is not already in the sentence;
- a sentence whose translation offers no such word gets one from the other language's
  frequency list (with the same dictionary conditions), within half a Zipf point of the
  word it replaces.

An insertion is found when a flagged span overlaps it. Precision counts flagged spans,
recall counts insertions.

The set is split in two parts by `part_of`, a rule that depends on nothing but the message:
a sentence belongs to the held-out part when the first byte of the SHA-256 of its message's
English text (UTF-8) is odd, and to the tuning part otherwise, so a message and its
translation always fall in the same part, whatever the sample, the seed or the order of the
catalogues. The detector's thresholds are chosen on the tuning part (its mistakes are the
ones to read); the targets are checked on the held-out part.
"""

import gettext
import hashlib
import random
import re
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import simplemma
from wordfreq import top_n_list

from intelligence import insertions
from intelligence.insertions import detect, prepare, zipf

PLACEHOLDER_RE = re.compile(r"%\([^)]*\)[a-z]|%[a-z]|\{[^}]*\}|<[^>]+>|&[a-z]+;")
WORD_RE = re.compile(r"[^\W\d_]+")
CONTENT_MAX_ZIPF = 5.5
OTHER = {"fr": "en", "en": "fr"}

TUNING = "tuning"
HELD_OUT = "held-out"
PARTS = (HELD_OUT, TUNING)
# The detector's targets, checked on the held-out part.
TARGET_PRECISION = 0.9
TARGET_RECALL = 0.8
TARGET_MS_PER_SENTENCE = 5.0
# The detector's thresholds tried by `grid` (insertions.NATIVE_ZIPF, insertions.MARGIN).
GRID_NATIVE_ZIPF = (3.5, 4.0, 4.5)
GRID_MARGIN = (1.0, 1.15, 1.3, 1.5, 1.7, 2.0)


@dataclass(frozen=True)
class Sentence:
    text: str
    language: str
    translation: str


@dataclass
class Case:
    text: str
    language: str
    inserted: tuple[int, int] | None  # the inserted word's span, or None if untouched


@dataclass
class Report:
    sentences: int
    cases: int
    insertions: int
    found: int
    spans: int
    true_spans: int
    seconds: float

    @property
    def precision(self) -> float:
        return self.true_spans / self.spans if self.spans else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.insertions if self.insertions else 0.0

    @property
    def ms_per_sentence(self) -> float:
        return 1000 * self.seconds / self.cases if self.cases else 0.0

    def meets_targets(self) -> bool:
        return (
            self.precision >= TARGET_PRECISION
            and self.recall >= TARGET_RECALL
            and self.ms_per_sentence <= TARGET_MS_PER_SENTENCE
        )

    def as_dict(self) -> dict:
        return {
            "sentences": self.sentences,
            "cases": self.cases,
            "insertions": self.insertions,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "ms_per_sentence": round(self.ms_per_sentence, 3),
        }


def _clean(message: str) -> str:
    return " ".join(PLACEHOLDER_RE.sub(" ", message).split())


def catalogue_sentences() -> list[Sentence]:
    """The French and English sentences of the installed French catalogues, each with its
    translation, deduplicated, in a stable order."""
    root = Path(sysconfig.get_paths()["purelib"])
    seen: set[tuple[str, str]] = set()
    sentences = []
    for path in sorted(root.glob("*/**/locale/fr/LC_MESSAGES/*.mo")):
        with path.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog
        for msgid, msgstr in sorted(catalogue.items(), key=lambda item: str(item[0])):
            if isinstance(msgid, tuple):  # a plural form: (msgid, n)
                msgid = msgid[0]
            msgid = msgid.rpartition("\x04")[2]  # drop a message context ("alt. month")
            english, french = _clean(msgid), _clean(msgstr)
            if not english or not french:
                continue
            for text, language, translation in (
                (english, "en", french),
                (french, "fr", english),
            ):
                if len(WORD_RE.findall(text)) >= 3 and (text, language) not in seen:
                    seen.add((text, language))
                    sentences.append(Sentence(text, language, translation))
    return sentences


def part_of(sentence: Sentence) -> str:
    """`HELD_OUT` or `TUNING`: the parity of the first byte of the SHA-256 of the English
    text of `sentence`'s message (see the module docstring)."""
    english = sentence.text if sentence.language == "en" else sentence.translation
    return HELD_OUT if hashlib.sha256(english.encode()).digest()[0] % 2 else TUNING


def _replaceable(text: str, language: str) -> list[re.Match]:
    words = list(WORD_RE.finditer(text))
    return [
        m
        for m in words[1:]
        if len(m.group()) >= 4
        and m.group().islower()
        and 0 < zipf(m.group(), language) <= CONTENT_MAX_ZIPF
    ]


def _foreign_candidates(sentence: Sentence) -> list[str]:
    other = OTHER[sentence.language]
    present = {w.lower() for w in WORD_RE.findall(sentence.text)}
    candidates = []
    for word in WORD_RE.findall(sentence.translation):
        if (
            len(word) >= 4
            and word.islower()
            and word not in present
            and word not in candidates
            and 0 < zipf(word, other) <= CONTENT_MAX_ZIPF
            and simplemma.is_known(word, lang=other)
            and not simplemma.is_known(word, lang=sentence.language)
        ):
            candidates.append(word)
    return candidates


def _frequency_matched(word: str, sentence: Sentence, rng: random.Random) -> str | None:
    other = OTHER[sentence.language]
    target = zipf(word, sentence.language)
    pool = [
        w
        for w in top_n_list(other, 20_000)
        if len(w) >= 4
        and w.isalpha()
        and abs(zipf(w, other) - target) <= 0.5
        and simplemma.is_known(w, lang=other)
        and not simplemma.is_known(w, lang=sentence.language)
    ]
    return rng.choice(pool) if pool else None


def insert_word(sentence: Sentence, seed: int) -> Case | None:
    """`sentence` with one content word replaced by a word of the other language (see the
    module docstring), or None when it has no content word to replace."""
    rng = random.Random(f"{seed}:{sentence.language}:{sentence.text}")
    targets = _replaceable(sentence.text, sentence.language)
    if not targets:
        return None
    target = rng.choice(targets)
    candidates = _foreign_candidates(sentence)
    replacement = (
        rng.choice(candidates) if candidates else _frequency_matched(target.group(), sentence, rng)
    )
    if replacement is None:
        return None
    text = sentence.text[: target.start()] + replacement + sentence.text[target.end() :]
    return Case(text, sentence.language, (target.start(), target.start() + len(replacement)))


def build_cases(sentences: list[Sentence], seed: int) -> list[Case]:
    cases = []
    for sentence in sentences:
        cases.append(Case(sentence.text, sentence.language, None))
        inserted = insert_word(sentence, seed)
        if inserted is not None:
            cases.append(inserted)
    return cases


def evaluate(
    *, part: str | None = None, sample: int | None = None, seed: int = 15
) -> tuple[Report, list[tuple]]:
    """Run the detector over the catalogue sentences of `part` (`HELD_OUT`, `TUNING`, or
    None for both) — all of them, or a seeded `sample` — returning the report and the errors
    (case, spans) for inspection."""
    if part is not None and part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    sentences = catalogue_sentences()
    if part is not None:
        sentences = [s for s in sentences if part_of(s) == part]
    if sample is not None and sample < len(sentences):
        sentences = random.Random(seed).sample(sentences, sample)
    cases = build_cases(sentences, seed)
    for language in sorted({case.language for case in cases}):
        prepare(language)  # load the lists outside the timing; no word judged yet
    errors = []
    insertions = found = spans_total = true_spans = 0
    started = time.perf_counter()
    results = [detect(case.text, case.language) for case in cases]
    seconds = time.perf_counter() - started
    for case, spans in zip(cases, results, strict=True):
        spans_total += len(spans)
        low, high = case.inserted or (0, 0)
        hits = [s for s in spans if s.start < high and s.end > low]
        true_spans += len(hits)
        if case.inserted:
            insertions += 1
            found += bool(hits)
        if len(hits) != len(spans) or (case.inserted and not hits):
            errors.append((case, spans))
    report = Report(len(sentences), len(cases), insertions, found, spans_total, true_spans, seconds)
    return report, errors


def grid(*, sample: int | None = None, seed: int = 15) -> list[tuple[float, float, Report]]:
    """(native threshold, margin, report) on the tuning part for every pair of GRID_NATIVE_ZIPF
    and GRID_MARGIN: how the detector's thresholds are chosen, without the held-out part."""
    chosen = insertions.NATIVE_ZIPF, insertions.MARGIN
    results = []
    try:
        for native in GRID_NATIVE_ZIPF:
            for margin in GRID_MARGIN:
                insertions.NATIVE_ZIPF, insertions.MARGIN = native, margin
                report, _ = evaluate(part=TUNING, sample=sample, seed=seed)
                results.append((native, margin, report))
    finally:
        insertions.NATIVE_ZIPF, insertions.MARGIN = chosen
        prepare("en")  # forget the words judged with the grid's thresholds
    return results
