import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from archive.models import Article, Capture, ImmutableCaptureError, Source
from tests.factories import ArticleFactory, CaptureFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_capture_stores_sha256_of_its_text():
    capture = CaptureFactory(text="Un texte « archivé » – l’original.")
    expected = hashlib.sha256("Un texte « archivé » – l’original.".encode()).hexdigest()
    assert capture.sha256 == expected


def test_capture_cannot_be_saved_again():
    capture = CaptureFactory()
    capture.text = "Edited afterwards"
    with pytest.raises(ImmutableCaptureError, match="immutable"):
        capture.save()
    capture.refresh_from_db()
    assert capture.text != "Edited afterwards"


def test_capture_cannot_be_changed_through_a_queryset():
    capture = CaptureFactory()
    with pytest.raises(ImmutableCaptureError, match="immutable"):
        Capture.objects.filter(pk=capture.pk).update(text="Edited afterwards")


def test_stored_capture_fails_validation_as_immutable():
    capture = CaptureFactory()
    with pytest.raises(ValidationError, match="immutable"):
        capture.full_clean()


def test_an_article_may_return_to_an_earlier_text_in_the_database():
    # The dedup rule ("identical to the latest capture") lives in the archive services; the
    # database keeps a reverted text as a capture of its own.
    first = CaptureFactory()
    CaptureFactory(article=first.article, text="Changed text.")
    again = Capture.objects.create(article=first.article, text=first.text, origin="file")
    assert again.sha256 == first.sha256


def test_identical_text_for_another_article_is_allowed():
    capture = CaptureFactory()
    other = CaptureFactory(text=capture.text)
    assert other.sha256 == capture.sha256


def test_empty_capture_text_is_refused_by_the_database():
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Capture.objects.create(article=article, text="", origin="file")


def test_capture_origin_outside_its_choices_is_refused_by_the_database():
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Capture.objects.create(article=article, text="x", origin="ftp")


def test_two_articles_cannot_share_a_canonical_url():
    ArticleFactory(url="https://news.example.org/a")
    article = Article(title="Other", url="https://news.example.org/a")
    with pytest.raises(ValidationError, match="already archived"):
        article.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="Other", url="https://news.example.org/a")


def test_articles_without_url_may_coexist():
    Article.objects.create(title="Pasted one")
    Article.objects.create(title="Pasted two")
    assert Article.objects.filter(url="").count() == 2


def test_article_without_title_is_refused():
    with pytest.raises(ValidationError, match="title"):
        Article(title="").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="")


def test_invalid_language_code_is_refused_with_advice():
    with pytest.raises(ValidationError, match="ISO 639-1"):
        Article(title="T", language="French").full_clean()


def test_source_domains_must_be_host_names():
    source = Source(name="Le Monde", slug="le-monde", domains=["not a host"])
    with pytest.raises(ValidationError, match="not a host name"):
        source.full_clean()


def test_source_country_is_normalised_and_checked():
    source = Source(name="Le Monde", slug="le-monde", country="fr", domains=["WWW.lemonde.fr"])
    source.full_clean()
    assert source.country == "FR"
    assert source.domains == ["www.lemonde.fr"]
    with pytest.raises(ValidationError, match="two-letter"):
        Source(name="X", slug="x", country="France").full_clean()


def test_source_for_host_matches_subdomains():
    source = SourceFactory(domains=["lemonde.fr"])
    assert Source.objects.for_host("www.lemonde.fr") == source
    assert Source.objects.for_host("international.lemonde.fr") == source
    assert Source.objects.for_host("notlemonde.fr") is None


def test_latest_capture_is_annotated_on_articles():
    first = CaptureFactory(text="v1")
    second = CaptureFactory(article=first.article, text="v2")
    article = Article.objects.with_latest_capture().get(pk=first.article.pk)
    assert article.latest_capture_id == second.pk
