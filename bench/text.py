"""Synthetic multilingual news text: per-language Zipf-like vocabularies built from a seed.

Each language has its real most frequent words (articles, prepositions…) at the top of the
distribution and tens of thousands of pseudo-words built from the language's syllables below
them, drawn with Zipf–Mandelbrot weights (rank r ∝ 1 / (r + 2.7)^1.07), so word frequencies,
stemming and the full-text index behave as they do on real text. Everything is a pure
function of the seed.
"""

import functools
import random
from dataclasses import dataclass

# Share of articles per language: French and English lead, as in the archive's newsrooms.
LANGUAGE_SHARES = {
    "fr": 0.38,
    "en": 0.28,
    "ru": 0.12,
    "de": 0.06,
    "es": 0.06,
    "uk": 0.04,
    "kk": 0.03,
    "ky": 0.03,
}

FUNCTION_WORDS = {
    "fr": "de la le et les des en un une du est que qui dans pour pas au sur par plus ne se il "
    "ce sont avec été a aux son sa ses leur mais ou comme elle nous cette l’ d’ n’ qu’",
    "en": "the of and to in a is that for on was with as by at from it has have be are this "
    "which an not said were had its but after their been would who also they",
    "ru": "и в не на что с по к он как это из за от для о а но его все она так же было бы "
    "уже при был только ещё года может",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als "
    "auch es an werden aus er hat dass sie nach wird bei",
    "es": "de la que el en y a los del se las por un para con no una su al lo como más pero "
    "sus le ya o este sí porque esta entre cuando",
    "uk": "і в на не що з до як це та за від про у але він її його вже було так також "
    "може після під при",
    "kk": "және мен бұл да де бен үшін ол деп бір осы болып оның бойынша жылы туралы "
    "арқылы еді тағы",
    "ky": "жана менен бул да деп үчүн ал бир эле анын болуп боюнча жылы тууралуу "
    "аркылуу дагы бирок",
}

LATIN_ONSETS = ["", "b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v"]
SYLLABLES = {
    "fr": (
        [*LATIN_ONSETS, "ch", "tr", "pr", "gr", "br", "pl", "cl", "j", "qu"],
        ["a", "e", "i", "o", "u", "é", "è", "ou", "ai", "au", "eau", "on", "an", "en", "in", "ê"],
        ["", "", "", "r", "s", "t", "n", "l", "x"],
    ),
    "en": (
        [*LATIN_ONSETS, "th", "sh", "wh", "st", "w", "k", "h", "cr", "bl"],
        ["a", "e", "i", "o", "u", "ea", "oo", "ee", "ai", "ou", "y"],
        ["", "", "n", "t", "d", "s", "ng", "ck", "st", "r", "ll"],
    ),
    "de": (
        [*LATIN_ONSETS, "sch", "z", "w", "k", "h", "st", "pf", "kr"],
        ["a", "e", "i", "o", "u", "ä", "ö", "ü", "ei", "au", "ie"],
        ["", "ch", "n", "t", "r", "ng", "st", "ß", "nd", "l"],
    ),
    "es": (
        [*LATIN_ONSETS, "ñ", "ll", "rr", "ch", "j", "qu"],
        ["a", "e", "i", "o", "u", "á", "é", "í", "ó", "ú", "ia", "ue"],
        ["", "", "", "n", "s", "r", "l", "z"],
    ),
    "ru": (
        ["", "б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "х", "ч", "ш"],
        ["а", "е", "и", "о", "у", "ы", "я", "ю", "ё"],
        ["", "", "й", "н", "т", "л", "р", "ст", "ь"],
    ),
    "uk": (
        ["", "б", "в", "г", "ґ", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ч", "ш"],
        ["а", "е", "и", "о", "у", "і", "ї", "є", "я", "ю"],
        ["", "", "й", "н", "т", "л", "р", "ць", "ь"],
    ),
    "kk": (
        ["", "б", "ғ", "д", "ж", "з", "қ", "к", "л", "м", "н", "с", "т", "ш", "т"],
        ["а", "ә", "е", "ы", "і", "о", "ө", "ұ", "ү"],
        ["", "", "қ", "ң", "н", "р", "с", "л", "й"],
    ),
    "ky": (
        ["", "б", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "с", "т", "ч", "ш"],
        ["а", "е", "ы", "и", "о", "ө", "у", "ү"],
        ["", "", "ң", "н", "р", "т", "л", "й", "к"],
    ),
}

# Names that recur in the archive's coverage; inserted now and then as proper nouns.
PROPER_NOUNS = [
    "Bichkek",
    "Moscou",
    "Astana",
    "Tachkent",
    "Douchanbé",
    "OTSC",
    "Japarov",
    "Tokaïev",
    "Kremlin",
    "Bruxelles",
]
PERSON_NAMES = [
    "Aïgerim Sadykova",
    "Jean Martin",
    "Olga Petrova",
    "Daniyar Omarov",
    "Claire Dubois",
    "Michael Brown",
    "Nurlan Abenov",
    "Sofia García",
    "Hannah Becker",
    "Timur Bekov",
    "Marie Lefèvre",
    "Oleksandr Kovalenko",
]
CAPTION_CREDITS = ["AFP", "Reuters", "MoD russe", "AP", "Sputnik", "RFE/RL"]

# Planted for search: a recurring proper noun (a common term), a phrase, and rare coinages
# that occur in a handful of claims whatever the corpus size.
COMMON_TERM = "Kirghizistan"
COMMON_TERM_SHARE = 0.03
PHRASE = "aucune raison officielle"
PHRASE_SHARE = 0.005
RARE_TERMS = ["xylokratie", "zymotropique", "quorvandel"]


def rare_term_count(claims: int) -> int:
    """How many claims carry each rare term: about one in 100,000, at least 2."""
    return max(2, claims // 100_000)


VOCABULARY_SIZE = 40_000
ZIPF_EXPONENT = 1.07
ZIPF_SHIFT = 2.7


TABLE_SIZE = 2**20


@dataclass
class Vocabulary:
    """Words by rank, and a sampling table in which each word appears in proportion to its
    Zipf weight (at least once): drawing from it is a uniform choice, far cheaper than
    weighted choices over cumulative weights."""

    language: str
    words: list[str]
    table: list[str]

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.table, k=k)


@functools.cache
def build_vocabulary(language: str, seed: int, size: int = VOCABULARY_SIZE) -> Vocabulary:
    rng = random.Random(f"{seed}:vocabulary:{language}")
    draw = rng.random
    onsets, nuclei, codas = SYLLABLES[language]
    words = FUNCTION_WORDS[language].split()
    seen = set(words) | {COMMON_TERM.lower(), *RARE_TERMS, *PHRASE.split()}
    while len(words) < size:
        # 1 to 4 syllables, two or three most often.
        syllables = (1, 2, 2, 2, 2, 3, 3, 3, 4)[int(draw() * 9)]
        word = "".join(
            onsets[int(draw() * len(onsets))]
            + nuclei[int(draw() * len(nuclei))]
            + codas[int(draw() * len(codas))]
            for _ in range(syllables)
        )
        if len(word) >= 2 and word not in seen:
            seen.add(word)
            words.append(word)
    weights = [1 / (rank + ZIPF_SHIFT) ** ZIPF_EXPONENT for rank in range(len(words))]
    scale = TABLE_SIZE / sum(weights)
    table = []
    for word, weight in zip(words, weights, strict=True):
        table.extend([word] * max(1, round(weight * scale)))
    return Vocabulary(language, words, table)


def vocabularies(seed: int) -> dict[str, Vocabulary]:
    return {language: build_vocabulary(language, seed) for language in LANGUAGE_SHARES}


def join_words(words: list[str]) -> str:
    """Words joined by spaces, except after an elided French article (l’, d’…)."""
    return " ".join(words).replace("’ ", "’")


def sentence(
    rng: random.Random,
    vocabulary: Vocabulary,
    length: int,
    planted: tuple[str, ...] = (),
    words: list[str] | None = None,
) -> str:
    """A sentence of `length` drawn words (or of `words`, drawn beforehand), with the
    `planted` words inserted somewhere inside."""
    if words is None:
        words = vocabulary.draw(rng, length)
    length = len(words)
    if rng.random() < 0.15:
        words[rng.randrange(length)] = rng.choice(PROPER_NOUNS)
    if planted:
        position = rng.randrange(1, length)
        words[position:position] = planted
    text = join_words(words).rstrip("’")
    return text[0].upper() + text[1:] + ".....!?"[int(rng.random() * 7)]


def title(rng: random.Random, vocabulary: Vocabulary) -> str:
    text = join_words(vocabulary.draw(rng, rng.randint(6, 12)))
    return text[0].upper() + text[1:]


def caption(rng: random.Random, vocabulary: Vocabulary) -> str:
    """A photo caption with its credit, as extracted pages carry them."""
    return f"{sentence(rng, vocabulary, rng.randint(5, 10))[:-1]} ({rng.choice(CAPTION_CREDITS)})"
