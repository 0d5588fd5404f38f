import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.actors import IMPORT
from annotations.models import Annotation, Appearance, Claim, Tag
from archive.ingest.documents import CapturePayload
from archive.models import Article, Capture
from archive.services import archive_article
from journal.models import Entry

pytestmark = pytest.mark.django_db

SEED_FILE = Path(settings.BASE_DIR, "seeds", "000_8c62be7ee0a13371.txt")
CLAIM = (
    "Aucune raison officielle de l’annulation n’a été rendue publique par les autorités kirghizes."
)
REQUIRED_TAGS = {
    "no-official-reason-given",
    "unilateral-decision",
    "unverified",
    "disputed",
    "analysis-or-opinion",
    "anonymous-source",
    "spun-or-garbled-text",
}


def load_seeds() -> str:
    out = io.StringIO()
    call_command("load_seeds", stdout=out)
    return out.getvalue()


def test_seed_article_title_is_the_first_line_and_not_repeated_in_the_body():
    load_seeds()
    article = Article.objects.get()
    capture = article.captures.get()
    assert article.title == "Le Kirghizistan annule ses exercices avec la Russie au dernier moment"
    assert article.language == "fr"
    assert capture.text.startswith("Le 10 octobre, un exercice militaire CTSO « Indestructible")
    assert article.title not in capture.text


def test_seed_body_keeps_paragraphs_and_typography_byte_for_byte():
    load_seeds()
    capture = Capture.objects.get()
    raw = SEED_FILE.read_text(encoding="utf-8")
    body = raw.split("\n", 1)[1].strip("\n")
    body = body.split("\n", 1)[1].strip("\n")  # drop the repeated title line
    assert capture.text.encode() == body.encode()
    assert len(capture.text.split("\n\n")) == 6  # six paragraphs
    for fragment in (
        "« Indestructible Brotherhood 2022 »",
        "l’affect russe",
        "(MoD russe)",
        "la power collective",
        "une event distinctive",
    ):
        assert fragment in capture.text


def test_seed_claim_is_anchored_and_its_annotation_published():
    load_seeds()
    appearance = Appearance.objects.select_related("capture", "claim").get()
    assert appearance.quote == CLAIM
    assert appearance.capture.text[appearance.start : appearance.end] == CLAIM
    assert appearance.claim.text == CLAIM
    annotation = Annotation.objects.get()
    assert annotation.status == Annotation.Status.PUBLISHED
    assert list(annotation.tags.values_list("slug", flat=True)) == ["no-official-reason-given"]
    assert 0 < annotation.confidence <= 1
    assert annotation.rationale


def test_seed_vocabulary_has_the_starting_tags_with_labels_and_descriptions():
    load_seeds()
    assert set(Tag.objects.values_list("slug", flat=True)) >= REQUIRED_TAGS
    assert not Tag.objects.filter(label="").exists()
    assert not Tag.objects.filter(description="").exists()


def test_loading_seeds_twice_changes_nothing():
    load_seeds()
    models = (Tag, Article, Capture, Claim, Appearance, Annotation, Entry)
    before = {m: list(m.objects.order_by("pk").values()) for m in models}
    output = load_seeds()
    assert "0 new tag(s), 0 new article(s), 0 new claim(s)" in output
    assert {m: list(m.objects.order_by("pk").values()) for m in models} == before


def test_seed_loader_keeps_editors_changes_to_seeded_tags():
    load_seeds()
    Tag.objects.filter(slug="disputed").update(label="Contested")
    load_seeds()
    assert Tag.objects.get(slug="disputed").label == "Contested"


def test_broken_seed_folder_is_reported_and_changes_nothing(tmp_path):
    (tmp_path / "tags.json").write_text('[{"slug": "x", "label": "X"}]')
    (tmp_path / "seed.json").write_text('{"articles": [{"file": "missing.txt"}]}')
    with pytest.raises(CommandError, match=r"nothing was changed.*missing.txt"):
        call_command("load_seeds", seeds_dir=tmp_path)
    assert not Tag.objects.exists()


def test_loading_seeds_again_leaves_an_article_that_changed_since_as_it_reads_now():
    # A return to an earlier text is a new capture, so the loader must not archive the seed
    # text again over a newer capture.
    load_seeds()
    article = Article.objects.get()
    seeded = article.captures.get()
    newer = archive_article(
        actor=IMPORT,
        title=article.title,
        capture=CapturePayload(text=seeded.text + "\n\nMise à jour.", origin="file"),
    ).capture
    load_seeds()
    assert list(article.captures.all()) == [seeded, newer]


def test_loading_seeds_again_after_the_article_got_a_new_capture_adds_nothing(erin_editor):
    from archive.ingest.documents import CapturePayload
    from archive.services import add_capture

    load_seeds()
    article = Article.objects.get()
    seed_capture = article.captures.get()
    add_capture(
        actor=erin_editor,
        article=article,
        capture=CapturePayload(
            text="Mise à jour du 12 octobre.\n\n" + seed_capture.text, origin="paste"
        ),
    )
    appearance = Appearance.objects.get()
    assert appearance.capture != seed_capture  # the claim followed the text
    models = (Tag, Article, Capture, Claim, Appearance, Annotation, Entry)
    before = {m: list(m.objects.order_by("pk").values()) for m in models}

    output = load_seeds()

    assert "0 new tag(s), 0 new article(s), 0 new claim(s)" in output
    assert {m: list(m.objects.order_by("pk").values()) for m in models} == before


def test_loading_seeds_again_does_not_restore_a_seed_claim_deleted_since(erin_editor):
    from annotations.services import delete_claim

    load_seeds()
    delete_claim(user=erin_editor, claim=Claim.objects.get(), reason="A duplicate.")
    load_seeds()
    assert Claim.objects.count() == 1
    assert not Claim.objects.alive().exists()
