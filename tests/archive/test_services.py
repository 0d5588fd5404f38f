import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.actors import IMPORT
from archive.ingest.documents import (
    CapturePayload,
    Document,
    normalize_text,
    parse_text_document,
)
from archive.models import Capture
from archive.services import (
    Outcome,
    archive_article,
    archive_documents,
    article_key,
    find_articles,
)
from archive.signals import capture_added
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def test_text_document_first_line_is_the_title_and_its_repeat_is_dropped():
    title, body = parse_text_document(
        "Titre « X »\n\nTitre « X »\n\nPremier ’paragraphe’.\n\nSecond.\n"
    )
    assert title == "Titre « X »"
    assert body == "Premier ’paragraphe’.\n\nSecond."


def test_text_document_keeps_a_first_line_that_differs_from_the_title():
    title, body = parse_text_document("Titre\nChapô différent.\n\nCorps.")
    assert title == "Titre"
    assert body == "Chapô différent.\n\nCorps."


def test_empty_text_document_is_refused_with_a_reason():
    with pytest.raises(ValidationError, match="empty"):
        parse_text_document("\n\n  \n")
    with pytest.raises(ValidationError, match="no text"):
        parse_text_document("Only a title\n\n")


def test_normalize_text_unifies_line_endings_and_keeps_typography():
    assert (
        normalize_text("\ufeff\r\nL’été « chaud »\r\n\r\nFin.  \r\n") == "L’été « chaud »\n\nFin."
    )


def archive(text: str, **kwargs):
    defaults = {"title": "Titre", "url": "https://news.example.org/1"}
    capture = CapturePayload(text=text, origin="file")
    return archive_article(actor=IMPORT, capture=capture, **(defaults | kwargs))


def test_archiving_a_new_article_creates_it_with_one_capture():
    source = SourceFactory(language="fr")
    result = archive("Premier état.", source=source)
    assert result.outcome == Outcome.CREATED
    assert result.article.language == "fr"
    assert list(result.article.captures.all()) == [result.capture]


def test_archiving_identical_text_again_stores_nothing():
    first = archive("Premier état.")
    again = archive("Premier état.\r\n")
    assert again.outcome == Outcome.UNCHANGED
    assert again.capture == first.capture
    assert Capture.objects.count() == 1


def test_archiving_changed_text_adds_a_capture_and_announces_it():
    first = archive("Premier état.")
    received = []

    def receiver(sender, capture, previous, **kwargs):
        received.append((capture, previous))

    capture_added.connect(receiver)
    try:
        second = archive("Second état.")
    finally:
        capture_added.disconnect(receiver)
    assert second.outcome == Outcome.NEW_CAPTURE
    assert second.article == first.article
    assert received == [(second.capture, first.capture)]
    assert first.article.captures.count() == 2


def test_pasted_articles_are_identified_by_source_and_title():
    source = SourceFactory()
    first = archive("Texte.", url="", source=source)
    second = archive("Texte modifié.", url="", source=source)
    other = archive("Texte.", url="", source=SourceFactory())
    assert second.article == first.article
    assert other.article != first.article


def test_find_articles_finds_by_url_or_source_and_title_in_two_queries(
    django_assert_num_queries,
):
    source = SourceFactory()
    by_url = archive("Texte.").article
    pasted = archive("Texte.", url="", title="Collé", source=source).article
    unsourced = archive("Texte.", url="", title="Collé").article
    keys = {
        "url": article_key(url="https://news.example.org/1", source=None, title="Titre"),
        "pasted": article_key(url="", source=source, title="  Collé "),
        "unsourced": article_key(url="", source=None, title="Collé"),
        "other source": article_key(url="", source=SourceFactory(), title="Collé"),
        "absent": article_key(url="https://news.example.org/2", source=None, title="Titre"),
    }
    # 1 the articles by URL, 2 those of no URL by title
    with django_assert_num_queries(2):
        found = find_articles(keys.values())
    assert {name: found[key] for name, key in keys.items()} == {
        "url": by_url,
        "pasted": pasted,
        "unsourced": unsourced,
        "other source": None,
        "absent": None,
    }


def test_a_known_article_given_by_the_caller_is_not_looked_up_again(django_assert_num_queries):
    first = archive("Premier état.")
    # savepoint, the identical-text check, release
    with django_assert_num_queries(3):
        again = archive("Premier état.", known=first.article)
    assert again.outcome == Outcome.UNCHANGED
    new = archive("Texte.", url="", title="Autre", known=None)
    assert new.outcome == Outcome.CREATED


def test_a_batch_stores_the_same_capture_rows_as_one_by_one():
    at = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)

    def document(n: int) -> Document:
        return Document(
            item=f"crawl.warc.gz record {n}",
            title=f"Titre {n}",
            url=f"https://news.example.org/{n}",
            text="Texte « archivé ».\n\nSecond paragraphe.",
            origin=Capture.Origin.WARC,
            origin_location=f"crawl.warc.gz#{n}",
            raw=b"\x00\xff<html>\xc3\xa9 \\ ' \"</html>\n",
            raw_content_type="text/html; charset=utf-8",
            warc_record_id=f"<urn:uuid:{n}>",
            extractor="trafilatura",
            captured_at=at,
            redirects=["http://news.example.org/a", 'https://news.example.org/"b"'],
            authors=["Ana", "Ivan"],
        )

    fields = [f.attname for f in Capture._meta.concrete_fields if f.name not in ("id", "article")]
    fields.remove("created_at")
    batched = list(archive_documents([document(1), document(2), document(3)], actor=IMPORT))
    alone = archive_article(
        actor=IMPORT,
        title="Titre 4",
        url="https://news.example.org/4",
        capture=document(4),
        authors=["Ana", "Ivan"],
    )
    rows = {
        row["article__url"]: {k: v for k, v in row.items() if k != "article__url"}
        for row in Capture.objects.values("article__url", *fields)
    }
    expected = rows.pop("https://news.example.org/4")
    assert len(batched) == 3 and alone.outcome == Outcome.CREATED
    for url, row in rows.items():
        n = url.rsplit("/", 1)[1]
        assert row | {"origin_location": "", "warc_record_id": ""} == expected | {
            "origin_location": "",
            "warc_record_id": "",
        }
        assert (row["origin_location"], row["warc_record_id"]) == (
            f"crawl.warc.gz#{n}",
            f"<urn:uuid:{n}>",
        )
    assert bytes(expected["raw"]) == b"\x00\xff<html>\xc3\xa9 \\ ' \"</html>\n"
