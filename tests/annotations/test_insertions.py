import hashlib
import io
import json
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.actors import IMPORT
from annotations.models import CaptureAnalysis
from archive.ingest.documents import CapturePayload
from archive.services import archive_article
from intelligence import evaluation, insertions
from intelligence.evaluation import (
    HELD_OUT,
    TUNING,
    Sentence,
    catalogue_sentences,
    evaluate,
    insert_word,
    part_of,
)
from intelligence.insertions import detect
from tests import factories

SEED_TEXT = Path(settings.BASE_DIR, "seeds", "000_8c62be7ee0a13371.txt").read_text()


def archive_seed_fresh():
    """The seed article archived as a new article, without the seed's example claims."""
    return archive_article(
        actor=IMPORT,
        title="Le Kirghizistan annule ses exercices",
        url="https://example.org/kg",
        language="fr",
        capture=CapturePayload(text=SEED_TEXT, origin="file"),
    ).capture


def flagged(text: str, language: str) -> list[str]:
    return [span.text for span in detect(text, language)]


def test_the_seed_article_shows_its_spun_english_words():
    spans = detect(SEED_TEXT, "fr")
    words = {span.text for span in spans}
    assert {"power", "affect", "event"} <= words
    # Everything flagged is one of the machine's English swaps.
    assert words <= {
        "power",
        "affect",
        "event",
        "events",
        "choices",
        "however",
        "status",
        "significance",
    }
    for span in spans:
        assert SEED_TEXT[span.start : span.end] == span.text
        assert span.language == "en"
        assert 0 < span.score <= 1


def test_names_titles_acronyms_and_loanwords_are_not_flagged():
    text = (
        "Le leader du parti a passé le week-end à Paris avec John Power. "
        "Le film « Event Horizon » sort en DVD, selon la BBC et l’OTAN."
    )
    assert flagged(text, "fr") == []


def test_a_sentence_opening_foreign_word_is_flagged():
    assert flagged("However, le gouvernement a refusé.", "fr") == ["However"]


def test_adjacent_foreign_words_form_one_span():
    text = "Les autorités ont pris des steps forward importants."
    assert flagged(text, "fr") == ["steps forward"]


def test_french_words_in_english_text_are_flagged():
    assert flagged("The minister said the réunion was postponed.", "en") == ["réunion"]


def test_code_and_identifiers_are_not_prose():
    assert flagged("La méthode get_absolute_url() et allow_future sont absentes.", "fr") == []


def test_an_unknown_language_flags_nothing():
    assert detect("Le power collective", "") == []
    assert detect("Le power collective", "xx") == []


def test_detection_takes_well_under_five_ms_per_sentence():
    sentences = [s.text for s in catalogue_sentences()[:200]]
    detect(sentences[0], "fr")
    started = time.perf_counter()
    for sentence in sentences:
        detect(sentence, "fr")
    assert (time.perf_counter() - started) * 1000 / len(sentences) < 5


def test_the_evaluation_set_holds_over_a_thousand_real_sentences_in_both_languages():
    sentences = catalogue_sentences()
    assert len(sentences) >= 1000
    assert {s.language for s in sentences} == {"fr", "en"}


def test_an_insertion_replaces_one_word_with_a_word_of_the_other_language_reproducibly():
    sentence = next(s for s in catalogue_sentences() if s.language == "fr" and len(s.text) > 40)
    case = insert_word(sentence, seed=3)
    assert case == insert_word(sentence, seed=3)
    inserted = case.text[case.inserted[0] : case.inserted[1]]
    assert inserted not in sentence.text.split()


def test_the_test_set_splits_by_message_into_a_tuning_and_a_held_out_part():
    sentences = catalogue_sentences()
    parts = {part: [s for s in sentences if part_of(s) == part] for part in (HELD_OUT, TUNING)}
    for part in parts.values():
        assert len(part) >= 400
        assert {s.language for s in part} == {"fr", "en"}
    # A message and its translation fall in the same part: the rule reads the English text.
    english = next(s for s in sentences if s.language == "en")
    french = Sentence(english.translation, "fr", english.text)
    digest = hashlib.sha256(english.text.encode()).digest()
    expected = HELD_OUT if digest[0] % 2 else TUNING
    assert part_of(english) == part_of(french) == expected


def test_the_evaluation_meets_its_targets_on_the_held_out_part():
    report, _ = evaluate(part=HELD_OUT)
    assert report.sentences == len([s for s in catalogue_sentences() if part_of(s) == HELD_OUT])
    assert report.insertions > 400
    assert report.meets_targets()
    assert report.precision >= 0.9
    assert report.recall >= 0.8
    assert report.ms_per_sentence <= 5


def test_the_evaluation_command_reports_both_parts_and_checks_the_held_out_one():
    out = io.StringIO()
    call_command("evaluate_insertions", sample=30, seed=3, stdout=out)
    lines = out.getvalue().splitlines()
    held_out, tuning = json.loads(lines[0]), json.loads(lines[2])
    assert (held_out["part"], tuning["part"]) == (HELD_OUT, TUNING)
    assert held_out["sentences"] == tuning["sentences"] == 30
    assert lines[1].startswith("The held-out part meets the targets")


def test_the_threshold_grid_runs_on_the_tuning_part_and_restores_the_thresholds(monkeypatch):
    monkeypatch.setattr(evaluation, "GRID_NATIVE_ZIPF", (4.0,))
    monkeypatch.setattr(evaluation, "GRID_MARGIN", (1.3, 2.0))
    out = io.StringIO()
    call_command("evaluate_insertions", grid=True, sample=120, stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["part"], r["native_zipf"], r["margin"]) for r in rows] == [
        (TUNING, 4.0, 1.3),
        (TUNING, 4.0, 2.0),
    ]
    assert rows[0]["chosen"] and "chosen" not in rows[1]
    assert rows[1]["recall"] < rows[0]["recall"]  # a wider margin misses more insertions
    assert (insertions.NATIVE_ZIPF, insertions.MARGIN) == (4.0, 1.3)


def test_the_evaluation_refuses_an_unknown_part():
    with pytest.raises(ValueError, match="held-out, tuning"):
        evaluate(part="everything")


@pytest.mark.django_db
def test_archiving_a_capture_stores_its_foreign_insertions():
    capture = archive_seed_fresh()
    analysis = CaptureAnalysis.objects.get(capture=capture)
    assert analysis.language == "fr"
    assert {"power", "affect", "event"} <= {s["text"] for s in analysis.foreign_spans}


@pytest.mark.django_db
def test_the_command_analyses_captures_stored_before_detection():
    capture = factories.CaptureFactory(text="Une event distinctive et la power collective.")
    CaptureAnalysis.objects.filter(capture=capture).delete()
    call_command("analyse_captures", stdout=io.StringIO())
    spans = CaptureAnalysis.objects.get(capture=capture).foreign_spans
    assert [s["text"] for s in spans] == ["event", "power"]
