import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import CaptureAnalysis, TagPattern
from intelligence.analysis import analyse_capture
from intelligence.patterns import lemmas, matches
from intelligence.sentences import split
from tests import factories
from tests.annotations.test_insertions import SEED_TEXT, archive_seed_fresh

pytestmark = pytest.mark.django_db

OFFICIAL = (
    "Aucune raison officielle de l’annulation n’a été rendue publique par les autorités kirghizes."
)


@pytest.fixture
def vocabulary():
    call_command("load_seeds", stdout=io.StringIO())


def url(capture_id: int) -> str:
    return f"/api/captures/{capture_id}/analysis/"


def test_the_fresh_seed_article_suggests_its_no_official_reason_sentence(client, vocabulary):
    capture = archive_seed_fresh()
    payload = client.get(url(capture.pk)).json()
    assert set(payload) == {"capture", "language", "foreign_spans", "suggestions", "tags"}
    assert payload["capture"] == capture.pk
    assert payload["language"] == "fr"
    assert payload["tags"] == ["spun-or-garbled-text"]
    official = next(s for s in payload["suggestions"] if s["quote"] == OFFICIAL)
    assert official["tags"] == ["no-official-reason-given"]
    assert official["reason"] == "matches: aucune raison officielle"
    unilateral = next(s for s in payload["suggestions"] if "décision unilatérale" in s["quote"])
    assert unilateral["tags"] == ["unilateral-decision"]
    assert {"power", "affect", "event"} <= {s["text"] for s in payload["foreign_spans"]}


def test_offsets_are_code_points_and_texts_equal_the_capture_at_them(client, vocabulary):
    text = "😀 Une event distinctive. " + SEED_TEXT
    capture = factories.CaptureFactory(text=text)
    payload = client.get(url(capture.pk)).json()
    assert payload["foreign_spans"] and payload["suggestions"]
    for span in payload["foreign_spans"]:
        assert text[span["start"] : span["end"]] == span["text"]
        assert set(span) == {"start", "end", "text", "language", "score"}
    for suggestion in payload["suggestions"]:
        assert text[suggestion["start"] : suggestion["end"]] == suggestion["quote"]
    assert payload["foreign_spans"][0] == {
        "start": 6,
        "end": 11,
        "text": "event",
        "language": "en",
        "score": payload["foreign_spans"][0]["score"],
    }


def test_sentences_already_marked_are_not_suggested(client, vocabulary):
    # load_seeds marks the seed's "Aucune raison officielle…" sentence as a claim.
    from archive.models import Capture

    capture = Capture.objects.get(origin="seed")
    quotes = [s["quote"] for s in client.get(url(capture.pk)).json()["suggestions"]]
    assert OFFICIAL not in quotes
    assert any("décision unilatérale" in q for q in quotes)


def test_a_clean_capture_suggests_no_capture_tag(client, vocabulary):
    capture = factories.CaptureFactory(text="Le gouvernement a annoncé une réforme.")
    payload = client.get(url(capture.pk)).json()
    assert payload["foreign_spans"] == [] and payload["tags"] == []


def test_an_unknown_capture_answers_404(client):
    assert client.get(url(999999)).status_code == 404


def test_the_analysis_is_read_in_a_few_queries(client, vocabulary):
    capture = archive_seed_fresh()
    client.get(url(capture.pk))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(capture.pk)).status_code == 200
    assert len(queries) <= 6


def test_the_analysis_is_recomputed_when_missing():
    capture = factories.CaptureFactory(text="La power collective.")
    CaptureAnalysis.objects.all().delete()
    assert [s["text"] for s in analyse_capture(capture).foreign_spans] == ["power"]


def test_patterns_match_on_lemmas_through_inflection_and_elision():
    sentence = lemmas("Aucunes raisons officielles n’ont été rendues publiques.", "fr")
    assert matches(sentence, lemmas("aucune raison officielle", "fr"))
    assert matches(sentence, lemmas("rendre public", "fr"))
    assert matches(lemmas("l’annulation a été décidée", "fr"), lemmas("annulation", "fr"))
    assert not matches(sentence, lemmas("décision unilatérale", "fr"))


def test_sentences_split_on_french_typography_and_keep_abbreviations():
    text = "M. Dupont a dit : « C’est fini. » Puis il est parti. Le 9 oct. 2022, il revint."
    assert [text[s:e] for s, e in split(text)] == [
        "M. Dupont a dit : « C’est fini. »",
        "Puis il est parti.",
        "Le 9 oct. 2022, il revint.",
    ]


def test_seeding_patterns_is_idempotent(vocabulary):
    count = TagPattern.objects.count()
    assert count > 30
    assert set(TagPattern.objects.values_list("language", flat=True)) == {
        "fr",
        "en",
        "ru",
        "de",
        "es",
    }
    call_command("load_seeds", stdout=io.StringIO())
    assert TagPattern.objects.count() == count
