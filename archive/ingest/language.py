"""Detecting an article's language (lingua) among the archive's languages."""

from collections.abc import Sequence
from functools import cache

from django.conf import settings

# Characters of a text that language detection reads.
DETECTION_CHARS = 1000


@cache
def _detector(codes: tuple[str, ...]):
    """Built once per process and language set (it loads language models), for the
    languages that lingua knows."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = []
    for code in codes:
        try:
            languages.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)))
        except ValueError:
            continue  # lingua does not know every language (Kyrgyz, for one)
    if len(languages) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language among CLAIMDESK_LANGUAGES, or "" when it
    cannot be told."""
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[str]:
    """detect_language for many texts, detected in parallel."""
    if len(settings.CLAIMDESK_LANGUAGES) == 1:
        return [settings.CLAIMDESK_LANGUAGES[0]] * len(texts)
    detector = _detector(tuple(settings.CLAIMDESK_LANGUAGES))
    if detector is None:
        return [""] * len(texts)
    # The opening tells the language as well as the whole text does, at a fraction of the
    # cost (detection time grows with the length).
    openings = [text[:DETECTION_CHARS] for text in texts]
    if len(openings) == 1:
        languages = [detector.detect_language_of(openings[0])]
    else:
        languages = detector.detect_languages_in_parallel_of(openings)
    return [language.iso_code_639_1.name.lower() if language else "" for language in languages]


@cache
def warm_up() -> None:
    """Load the detector and its language models in this process now, once. A worker does it
    before it forks a job's process, which then shares them (lingua maps ~300 MB) rather than
    loading them again within its memory ceiling."""
    detect_language("Claimdesk")
