"""Finding a quote again in a changed text: pure functions, no database."""

from annotations.anchoring import CONTEXT, EXACT, FUZZY, find_quote
from tests.factories import CAPTURE_TEXT, CLAIM_SENTENCE

REWORDED = "Aucune raison officielle de l’annulation n’a été donnée par les autorités kirghizes."


def test_a_unique_quote_is_found_exactly_wherever_it_moved():
    text = "Un paragraphe ajouté en tête.\n\n" + CAPTURE_TEXT
    match = find_quote(text, CLAIM_SENTENCE)
    assert (match.method, match.score) == (EXACT, 1.0)
    assert text[match.start : match.end] == CLAIM_SENTENCE
    assert match.start == CAPTURE_TEXT.index(CLAIM_SENTENCE) + len(
        "Un paragraphe ajouté en tête.\n\n"
    )


def test_a_repeated_quote_is_told_apart_by_its_context():
    text = "Il a dit : « Non. » Puis plus tard, le ministre a répété : « Non. » Fin du débat."
    quote = "« Non. »"
    second = text.rindex(quote)
    match = find_quote(text, quote, prefix="le ministre a répété : ", suffix=" Fin du débat.")
    assert (match.start, match.end, match.method) == (second, second + len(quote), CONTEXT)
    assert match.score == 1.0
    first = find_quote(text, quote, prefix="Il a dit : ", suffix=" Puis plus tard")
    assert first.start == text.index(quote)


def test_a_slightly_reworded_quote_is_found_fuzzily_on_word_boundaries():
    text = CAPTURE_TEXT.replace(CLAIM_SENTENCE, REWORDED)
    start = CAPTURE_TEXT.index(CLAIM_SENTENCE)
    match = find_quote(
        text,
        CLAIM_SENTENCE,
        prefix=CAPTURE_TEXT[start - 32 : start],
        suffix=CAPTURE_TEXT[start + len(CLAIM_SENTENCE) :][:32],
    )
    assert match.method == FUZZY
    assert text[match.start : match.end] == REWORDED
    assert 0.75 <= match.score < 1


def test_a_removed_sentence_is_not_found():
    text = CAPTURE_TEXT.replace(CLAIM_SENTENCE, "")
    assert find_quote(text, CLAIM_SENTENCE) is None


def test_the_threshold_decides_how_much_rewording_is_still_the_same_quote():
    text = CAPTURE_TEXT.replace(CLAIM_SENTENCE, REWORDED)
    assert find_quote(text, CLAIM_SENTENCE, threshold=0.99) is None
    assert find_quote(text, CLAIM_SENTENCE, threshold=0.8).method == FUZZY


def test_offsets_count_code_points_not_bytes_or_utf16_units():
    text = "😀 émoji « devant » puis la phrase visée. Et la suite."
    match = find_quote(text, "la phrase visée.")
    assert text[match.start : match.end] == "la phrase visée."
    assert match.start == text.index("la phrase")


def test_a_fuzzy_match_never_spans_paragraphs_the_quote_did_not():
    text = "Le gouvernement n’a rien\n\ndit sur ce point précis aujourd’hui."
    match = find_quote(text, "Le gouvernement n’a rien dit sur ce point", threshold=0.5)
    assert match is None or "\n" not in text[match.start : match.end]
