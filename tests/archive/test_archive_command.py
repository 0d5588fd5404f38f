"""`manage.py archive`: every input kind, the summary, the exit status, atomic items."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from annotations.models import Appearance, CaptureAnalysis
from archive.models import Article, Capture
from journal.models import Entry
from tests.archive.conftest import html_page, write_warc
from tests.factories import CAPTURE_TEXT, CLAIM_SENTENCE, SourceFactory

pytestmark = pytest.mark.django_db

SEED = settings.BASE_DIR / "seeds" / "000_8c62be7ee0a13371.txt"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("archive", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[str, str, CommandError]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("archive", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), error.value


def snapshot() -> list[tuple]:
    return sorted(Capture.objects.values_list("pk", "article_id", "sha256", "captured_at"))


def test_the_seed_file_is_archived_and_its_language_detected_once_its_batch_is_committed(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        out, err = run(SEED)
        article = Article.objects.get()
        # Stored with its source's language (none here), its own to be detected by a worker.
        assert (article.language, article.language_pending) == ("", True)
    article.refresh_from_db()
    assert article.title == "Le Kirghizistan annule ses exercices avec la Russie au dernier moment"
    assert (article.language, article.language_pending) == ("fr", False)
    assert article.captures.get().origin == "file"
    assert f"created: {SEED} → article {article.pk}" in out
    assert "1 created, 0 new capture(s) of known articles, 0 unchanged, 0 failed." in out
    assert err == ""


def test_archiving_the_same_file_again_is_reported_unchanged_and_stores_nothing(tmp_path):
    run(SEED)
    before = snapshot()
    out, _ = run(SEED)
    capture = Capture.objects.get()
    assert f"unchanged: {SEED}: identical to capture {capture.pk}" in out
    assert "0 created, 0 new capture(s) of known articles, 1 unchanged, 0 failed." in out
    assert snapshot() == before


def test_an_edited_re_capture_of_the_seed_re_anchors_its_claim(seeded, tmp_path):
    edited = tmp_path / "edited.txt"
    text = SEED.read_text(encoding="utf-8")
    edited.write_text(
        text.replace(
            "Cependant, dans une décision", "Mise à jour mardi.\n\nCependant, dans une décision"
        ),
        encoding="utf-8",
    )
    out, _ = run(edited)
    assert "0 created, 1 new capture(s) of known articles, 0 unchanged, 0 failed." in out
    appearance = Appearance.objects.get()
    assert appearance.capture == Capture.objects.latest()
    assert (appearance.anchor_method, appearance.anchor_status) == ("exact", "anchored")
    assert appearance.capture.text[appearance.start : appearance.end] == CLAIM_SENTENCE


def test_a_warc_crawl_archives_each_html_response_with_its_record(tmp_path):
    source = SourceFactory(slug="le-journal", domains=["news.example.org"], language="fr")
    path = write_warc(
        tmp_path / "crawl-2022-10.warc.gz",
        [
            ("https://news.example.org/a", html_page("Article A").encode(), "text/html", "200 OK"),
            ("https://news.example.org/style.css", b"body{}", "text/css", "200 OK"),
            ("https://news.example.org/b", html_page("Article B").encode(), "text/html", "200 OK"),
        ],
    )
    out, err = run(path)
    assert "2 created, 0 new capture(s) of known articles, 0 unchanged, 0 failed." in out
    captures = Capture.objects.select_related("article").order_by("pk")
    assert [c.article.url for c in captures] == [
        "https://news.example.org/a",
        "https://news.example.org/b",
    ]
    for capture in captures:
        assert capture.origin == "warc"
        assert capture.warc_record_id.startswith("<urn:uuid:")
        assert capture.article.source == source
        assert capture.article.authors == ["Jeanne Martin"]
        assert bytes(capture.raw).startswith(b"<!doctype html>")
    # A WARC holds an unknown number of articles: the progress bar counts them.
    assert "2item" in err.replace(" ", "")


def test_a_bad_jsonl_line_fails_alone_and_names_file_line_and_field(tmp_path):
    SourceFactory(slug="le-journal")
    path = tmp_path / "batch.jsonl"
    good = {"title": "Bon", "text": CAPTURE_TEXT, "source": "le-journal", "language": "fr"}
    path.write_text(
        "\n".join(
            [
                json.dumps(good | {"url": "https://news.example.org/1"}),
                json.dumps(good | {"url": "https://news.example.org/2", "published_at": "hier"}),
                json.dumps(good | {"url": "https://news.example.org/3", "source": "inconnu"}),
            ]
        ),
        encoding="utf-8",
    )
    out, err, error = run_failing(path)
    assert "1 created, 0 new capture(s) of known articles, 0 unchanged, 2 failed." in out
    assert f"failed: {path}:2: field “published_at”: “hier” is not an ISO 8601 date" in err
    assert f"failed: {path}:3: field “source”: no source with the slug “inconnu”" in err
    assert "2 item(s) failed" in str(error)
    assert list(Article.objects.values_list("url", flat=True)) == ["https://news.example.org/1"]


def test_urls_are_fetched_with_redirects_recorded_and_failures_reported(site):
    story = site.page("/story", html_page("Une histoire"))
    short = site.redirect("/s/1", "/story")
    image = site.page("/photo.jpg", b"\xff\xd8", content_type="image/jpeg")
    out, err, _ = run_failing(short, image)
    capture = Capture.objects.select_related("article").get()
    assert (capture.article.url, capture.origin_location, capture.redirects) == (
        story,
        short,
        [short],
    )
    assert capture.origin == "url" and bytes(capture.raw).startswith(b"<!doctype html>")
    assert f"failed: {image}: not an HTML page (Content-Type: image/jpeg)" in err
    assert "1 created, 0 new capture(s) of known articles, 0 unchanged, 1 failed." in out


def test_a_folder_mixes_kinds_and_bad_files_leave_stored_captures_untouched(tmp_path):
    run(SEED)
    before = snapshot()
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "bon.html").write_text(html_page("Bonne page"), encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Titre\n\nL’été".encode("cp1252"))
    (folder / "vide.html").write_text("<html><body><script></script></body></html>")
    (folder / "seed-again.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "broken.warc").write_bytes(b"garbage, not a WARC record\r\n\r\n")
    out, err, _ = run_failing(folder, tmp_path / "absent.txt")
    assert "1 created, 0 new capture(s) of known articles, 1 unchanged, 4 failed." in out
    assert f"failed: {folder / 'latin1.txt'}: not UTF-8 text" in err
    assert f"failed: {folder / 'vide.html'}: " in err
    assert f"failed: {folder / 'broken.warc'}#1: record 1 is not a WARC record" in err
    assert f"failed: {tmp_path / 'absent.txt'}: no such file, folder or URL" in err
    assert set(before) < set(snapshot())
    assert Article.objects.count() == 2


def test_dry_run_reports_outcomes_and_stores_nothing(tmp_path):
    run(SEED)
    before = snapshot()
    edited = tmp_path / "edited.txt"
    edited.write_text(SEED.read_text(encoding="utf-8") + "\nUn ajout.\n", encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(html_page("Nouvelle"), encoding="utf-8")
    out, _ = run(edited, page, SEED, "--dry-run")
    assert (
        "Dry run, nothing stored: 1 created, 1 new capture(s) of known articles, 1 unchanged, "
        "0 failed." in out
    )
    assert snapshot() == before
    assert Article.objects.count() == 1


def test_source_and_language_options_apply_to_every_item(tmp_path):
    SourceFactory(slug="akipress", language="ru")
    run(SEED, "--source", "akipress", "--language", "fr")
    article = Article.objects.select_related("source").get()
    assert (article.source.slug, article.language) == ("akipress", "fr")


def test_unknown_source_or_language_stop_before_anything_is_read(tmp_path):
    with pytest.raises(CommandError, match="--source: no source “nulle-part”"):
        run(SEED, "--source", "nulle-part")
    with pytest.raises(CommandError, match="--language: “pt” is not one of"):
        run(SEED, "--language", "pt")
    assert not Article.objects.exists()


def test_many_items_show_a_progress_bar_and_a_few_do_not(tmp_path):
    for n in range(6):
        (tmp_path / f"{n}.txt").write_text(f"Titre {n}\n\nTexte numéro {n}.", encoding="utf-8")
    _, err = run(*sorted(tmp_path.glob("*.txt"))[:2])
    assert err == ""
    _, err = run(tmp_path)
    assert "6/6" in err


def test_command_line_exit_status_is_non_zero_when_an_item_failed(tmp_path):
    missing = tmp_path / "absent.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "archive", str(missing), "--dry-run"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env=env | {"DJANGO_DEBUG": "1"},
    )
    assert result.returncode == 1
    assert f"failed: {missing}: no such file, folder or URL" in result.stderr


def test_a_record_the_archive_refuses_is_reported_with_its_field(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"title": "T" * 1001, "text": "Texte."}) + "\n", encoding="utf-8")
    _, err, _ = run_failing(path)
    assert f"failed: {path}:1: title: Ensure this value has at most 1000 characters" in err
    assert not Article.objects.exists()


def test_a_batch_with_one_bad_record_stores_the_others_once_and_names_the_bad_one(tmp_path):
    path = tmp_path / "batch.jsonl"
    lines = [{"title": f"Titre {n}", "text": f"Texte {n}."} for n in range(5)]
    lines[2]["title"] = "T" * 1001
    lines.append({"title": "Titre 0", "text": "Texte 0."})  # the first again: unchanged
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out, err, _ = run_failing(path, "--language", "fr")
    assert "4 created, 0 new capture(s) of known articles, 1 unchanged, 1 failed." in out
    assert f"failed: {path}:3: title: Ensure this value has at most 1000 characters" in err
    titles = ["Titre 0", "Titre 1", "Titre 3", "Titre 4"]
    assert sorted(Article.objects.values_list("title", flat=True)) == titles
    assert Capture.objects.count() == 4
    stored = Article.objects.values_list("pk", flat=True)
    for kind in ("article", "capture"):
        entries = Entry.objects.filter(kind=kind, action="created")
        assert entries.count() == 4
    assert sorted(Entry.objects.filter(kind="article").values_list("object_id", flat=True)) == (
        sorted(stored)
    )


def test_a_crawl_with_repeated_and_edited_pages_adds_only_changed_captures(
    tmp_path, alice_journalist
):
    from annotations.services import mark_claim

    page = html_page("Article A").encode()
    first = write_warc(
        tmp_path / "day1.warc.gz", [("https://news.example.org/a", page, "text/html", "200 OK")]
    )
    run(first)
    capture = Capture.objects.get()
    start = capture.text.index(CLAIM_SENTENCE)
    mark_claim(
        user=alice_journalist,
        capture=capture,
        start=start,
        end=start + len(CLAIM_SENTENCE),
        quote=CLAIM_SENTENCE,
    )
    edited = html_page("Article A", "Mise à jour.\n" + CAPTURE_TEXT).encode()
    second = write_warc(
        tmp_path / "day2.warc.gz",
        [
            ("https://news.example.org/a", page, "text/html", "200 OK"),
            ("https://news.example.org/a", edited, "text/html", "200 OK"),
        ],
    )
    out, _ = run(second)
    assert "0 created, 1 new capture(s) of known articles, 1 unchanged, 0 failed." in out
    appearance = Appearance.objects.get()
    assert appearance.capture == Capture.objects.latest()
    assert appearance.capture.warc_record_id != capture.warc_record_id
    assert (appearance.anchor_method, appearance.anchor_status) == ("exact", "anchored")


def write_texts(folder, count: int) -> list:
    folder.mkdir(exist_ok=True)
    for n in range(count):
        (folder / f"{n:02d}.txt").write_text(f"Titre {n}\n\nTexte numéro {n}.", encoding="utf-8")
    return sorted(folder.glob("*.txt"))


@pytest.mark.parametrize("count", [1, 5, 40])
def test_new_text_files_are_stored_in_the_same_few_queries_whatever_their_number(
    tmp_path, count, django_assert_num_queries
):
    paths = write_texts(tmp_path / "articles", count)
    # 1 the batch's known articles (by source and title), 2 the batch's savepoint and its
    # release, 2 the savepoint of the new articles and its release around their inserts:
    # articles, captures, journal entries (on PostgreSQL after reading the transaction's id
    # once), pending capture analyses (no constraint queries, no re-anchoring for a first
    # capture).
    with django_assert_num_queries(9 + (connection.vendor == "postgresql")):
        out, _ = run(*paths, "--language", "fr")
    assert f"{count} created, 0 new capture(s) of known articles, 0 unchanged" in out
    assert Capture.objects.count() == count
    assert Entry.objects.filter(kind="article", action="created").count() == count
    assert Entry.objects.filter(kind="capture", action="created").count() == count
    assert CaptureAnalysis.objects.count() == count


def test_a_batch_finds_articles_it_stored_itself_and_across_batches(tmp_path, monkeypatch):
    monkeypatch.setattr("archive.services.BATCH_ITEMS", 2)
    path = tmp_path / "same.jsonl"
    lines = [
        {"title": "Un", "text": "Premier état.", "url": "https://news.example.org/1"},
        {"title": "Un", "text": "Second état.", "url": "https://news.example.org/1"},
        {"title": "Un", "text": "Second état.", "url": "https://news.example.org/1"},
        {"title": "Deux", "text": "Texte."},
        {"title": "Deux", "text": "Texte."},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out, _ = run(path, "--language", "fr")
    assert "2 created, 1 new capture(s) of known articles, 2 unchanged, 0 failed." in out
    assert Article.objects.count() == 2
    assert Capture.objects.count() == 3


def test_an_item_the_database_refuses_mid_batch_changes_nothing_and_the_others_go_on(
    tmp_path, monkeypatch
):
    from django.db import IntegrityError

    from archive.signals import capture_added

    monkeypatch.setattr("archive.services.BATCH_ITEMS", 3)
    paths = write_texts(tmp_path / "articles", 5)

    def refuse_the_second(sender, capture, **kwargs):
        if capture.article.title == "Titre 1":
            raise IntegrityError("refused for the test")

    capture_added.connect(refuse_the_second)
    try:
        out, err, _ = run_failing(*paths, "--language", "fr")
    finally:
        capture_added.disconnect(refuse_the_second)
    assert "4 created, 0 new capture(s) of known articles, 0 unchanged, 1 failed." in out
    assert f"failed: {paths[1]}: the database refused it: refused for the test" in err
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Titre 0",
        "Titre 2",
        "Titre 3",
        "Titre 4",
    ]
    assert Capture.objects.count() == 4
