"""Who may write to the archive: per role, and for the named system actors."""

import dataclasses

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.actors import IMPORT, SEEDS, SystemActor
from archive import rules, services
from archive.ingest.documents import CapturePayload
from archive.models import Article, Capture, Source
from tests.factories import CAPTURE_TEXT, CaptureFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "archive", "sources"),
    [
        ("anon", False, False),
        ("rita_reader", False, False),
        ("alice_journalist", True, False),
        ("erin_editor", True, False),
        ("adam_admin", True, True),
    ],
)
def test_journalists_archive_and_admins_manage_sources(request, who, archive, sources):
    user = request.getfixturevalue(who)
    assert rules.can_archive_articles(user) is archive
    assert rules.can_add_captures(user) is archive
    assert rules.can_manage_sources(user) is sources
    assert rules.can_edit_articles(user) is sources


@pytest.mark.parametrize("actor", [IMPORT, SEEDS])
def test_system_actors_archive_but_manage_nothing(actor):
    assert rules.can_archive_articles(actor)
    assert rules.can_add_captures(actor)
    assert not rules.can_manage_sources(actor)
    assert not rules.can_edit_articles(actor)


def test_a_system_actor_is_named_and_has_no_database_row():
    actor = SystemActor("import")
    assert actor == IMPORT
    assert (actor.username, str(actor), actor.is_authenticated) == ("import", "import", True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.name = "other"


def test_a_reader_may_not_archive_an_article_or_add_a_capture(rita_reader):
    with pytest.raises(PermissionDenied, match="Only journalists and editors"):
        services.archive_article(
            actor=rita_reader,
            title="Titre",
            capture=CapturePayload(text=CAPTURE_TEXT, origin=Capture.Origin.PASTE),
        )
    capture = CaptureFactory()
    with pytest.raises(PermissionDenied, match="Only journalists and editors"):
        services.add_capture(
            actor=rita_reader,
            article=capture.article,
            capture=CapturePayload(text=capture.text + " Suite.", origin=Capture.Origin.PASTE),
        )
    assert Article.objects.count() == 1
    assert Capture.objects.count() == 1


def test_a_journalist_may_not_replace_an_articles_text_by_pasted_text(alice_journalist):
    capture = CaptureFactory()
    with pytest.raises(PermissionDenied, match="Only editors replace"):
        services.add_capture(
            actor=alice_journalist,
            article=capture.article,
            capture=CapturePayload(text=capture.text + " Suite.", origin=Capture.Origin.PASTE),
        )
    assert capture.article.captures.get() == capture


def test_an_editor_adds_a_capture_that_follows_the_latest(erin_editor):
    capture = CaptureFactory()
    later = services.add_capture(
        actor=erin_editor,
        article=capture.article,
        capture=CapturePayload(text=capture.text + " Suite.", origin=Capture.Origin.PASTE),
    )
    assert capture.article.captures.latest() == later


def test_sources_are_managed_by_admins_and_cleaned(adam_admin, erin_editor):
    with pytest.raises(PermissionDenied, match="Only admins manage sources"):
        services.save_source(actor=erin_editor, slug="kloop", name="Kloop")
    with pytest.raises(PermissionDenied):
        services.save_source(actor=IMPORT, slug="kloop", name="Kloop")
    source = services.save_source(
        actor=adam_admin, slug="kloop", name="Kloop", country="kg", domains=["Kloop.KG"]
    )
    assert (source.country, source.domains) == ("KG", ["kloop.kg"])
    services.save_source(actor=adam_admin, source=source, notes="Independent.")
    assert Source.objects.get(slug="kloop").notes == "Independent."
    with pytest.raises(PermissionDenied):
        services.delete_source(actor=erin_editor, source=source)
    services.delete_source(actor=adam_admin, source=source)
    assert not Source.objects.filter(slug="kloop").exists()


def test_only_admins_correct_an_articles_details(adam_admin, alice_journalist):
    article = CaptureFactory().article
    with pytest.raises(PermissionDenied):
        services.update_article(actor=alice_journalist, article=article, title="Autre")
    with pytest.raises(ValidationError):
        services.update_article(actor=adam_admin, article=article, title="")
    services.update_article(actor=adam_admin, article=article, title="Titre corrigé")
    assert Article.objects.get().title == "Titre corrigé"
