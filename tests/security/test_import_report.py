"""Regression: the archive command reports an item only once its batch is committed, and a
lost database connection ends the run with what was stored, what was not, and how to resume
— no traceback, a non-zero exit (issue 10, defect 7)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError

from archive import services
from archive.models import Article, Source
from tests.factories import CAPTURE_TEXT

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_files(tmp_path):
    for number in range(1, 6):
        (tmp_path / f"{number}.txt").write_text(
            f"Article {number}\n\n{CAPTURE_TEXT}\nNuméro {number}.", encoding="utf-8"
        )
    return tmp_path


def failing_from_item(monkeypatch, number: int, error: Exception):
    """Make the connection fail when the `number`th item is stored (counting from 1): when
    its capture is prepared, which every item stored goes through, alone or with others."""
    real = services._new_capture
    calls = {"n": 0}

    def new_capture(**kwargs):
        calls["n"] += 1
        if calls["n"] == number:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(services, "_new_capture", new_capture)


@pytest.mark.parametrize(
    "error",
    [OperationalError("server closed the connection unexpectedly"), InterfaceError("closed")],
)
def test_a_lost_connection_reports_only_the_committed_batches(monkeypatch, five_files, error):
    monkeypatch.setattr(services, "BATCH_ITEMS", 2)
    failing_from_item(monkeypatch, 4, error)  # the second batch: items 3 and 4
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("archive", str(five_files), stdout=out, stderr=err)

    stored = sorted(Article.objects.values_list("title", flat=True))
    assert stored == ["Article 1", "Article 2"]
    reported = [line for line in out.getvalue().splitlines() if line.startswith("created")]
    assert len(reported) == 2
    assert all(f"{number}.txt" in line for number, line in zip((1, 2), reported, strict=True))
    for article in Article.objects.all():
        assert f"→ article {article.pk} " in out.getvalue()
    assert "3.txt" not in out.getvalue() and "4.txt" not in out.getvalue()
    assert f"not stored: {five_files / '3.txt'}" in err.getvalue()
    assert f"not stored: {five_files / '4.txt'}" in err.getvalue()
    message = str(raised.value)
    assert "Lost the database connection" in message
    assert "2 item(s) stored before it" in message
    assert "Run the same command again to resume" in message
    assert "Traceback" not in err.getvalue() + out.getvalue()


def test_running_again_after_a_lost_connection_resumes(monkeypatch, five_files):
    monkeypatch.setattr(services, "BATCH_ITEMS", 2)
    failing_from_item(monkeypatch, 3, OperationalError("gone"))
    with pytest.raises(CommandError):
        call_command("archive", str(five_files), stdout=io.StringIO(), stderr=io.StringIO())
    monkeypatch.undo()

    out = io.StringIO()
    call_command("archive", str(five_files), stdout=out, stderr=io.StringIO())

    assert "3 created, 0 new capture(s) of known articles, 2 unchanged, 0 failed." in (
        out.getvalue()
    )
    assert Article.objects.count() == 5


def test_an_unreachable_database_before_any_batch_is_a_clear_error(monkeypatch, five_files):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(Source.objects, "filter", unreachable)
    with pytest.raises(CommandError, match=r"The database is unreachable .*nothing was stored"):
        call_command(
            "archive", str(five_files), "--source", "x", stdout=io.StringIO(), stderr=io.StringIO()
        )
