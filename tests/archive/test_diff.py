from archive.diff import diff_texts


def test_diff_marks_deleted_and_inserted_words():
    diff = diff_texts(
        "Aucune raison officielle n’a été donnée.", "Aucune raison officielle n’a été publiée."
    )
    assert diff.as_html() == "Aucune raison officielle n’a été <del>donnée</del><ins>publiée</ins>."
    assert (diff.words_deleted, diff.words_inserted) == (1, 1)


def test_identical_texts_have_no_changes():
    diff = diff_texts("Le texte.\n\nSuite.", "Le texte.\n\nSuite.")
    assert not diff.has_changes
    assert diff.as_html() == "Le texte.\n\nSuite."


def test_a_reworded_phrase_reads_as_one_deletion_and_one_insertion():
    diff = diff_texts("une event distinctive d’affirmer", "une occasion unique d’affirmer")
    assert diff.as_html() == (
        "une <del>event distinctive</del><ins>occasion unique</ins> d’affirmer"
    )


def test_added_paragraph_is_an_insertion_and_paragraphs_are_kept():
    diff = diff_texts("Premier.", "Premier.\n\nAjouté après coup.")
    assert diff.as_html() == "Premier.<ins>\n\nAjouté après coup.</ins>"


def test_diff_escapes_the_text():
    diff = diff_texts("<b>avant</b>", "<b>après</b>")
    html = diff.as_html()
    assert "<b>" not in html
    assert html == "&lt;b&gt;<del>avant</del><ins>après</ins>&lt;/b&gt;"
