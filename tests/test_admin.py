"""Django admin: every page answers an admin, refuses everyone else, and writes through the
services."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from annotations.models import Annotation, Claim, Evidence, Tag
from archive import imports
from archive.models import Article, Capture, ImportItem, ImportJob, Source
from journal.models import Entry
from tests.factories import CAPTURE_TEXT

pytestmark = pytest.mark.django_db

MODELS = [Source, Article, Capture, Tag, Claim, Annotation]


@pytest.fixture
def seed():
    call_command("load_seeds", stdout=io.StringIO())


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def test_every_admin_page_answers_an_admin(client, adam_admin, seed):
    client.force_login(adam_admin)
    Source.objects.create(name="Le Monde", slug="le-monde", domains=["lemonde.fr"])
    assert client.get(reverse("admin:index")).status_code == 200
    for model in MODELS:
        assert client.get(admin_url(model, "changelist")).status_code == 200, model
        assert client.get(admin_url(model, "change", model.objects.first().pk)).status_code == 200
        if model is not Capture:
            assert client.get(admin_url(model, "add")).status_code == 200, model


def test_admin_search_and_filters_answer(client, adam_admin, seed):
    client.force_login(adam_admin)
    assert client.get(admin_url(Source, "changelist"), {"q": "monde"}).status_code == 200
    response = client.get(admin_url(Annotation, "changelist"), {"status__exact": "published"})
    assert response.status_code == 200
    assert "Aucune raison officielle" in response.text


@pytest.mark.parametrize("who", ["erin_editor", "alice_journalist", "rita_reader"])
def test_admin_refuses_non_admins(request, client, who, seed):
    client.force_login(request.getfixturevalue(who))
    for model in MODELS:
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 302, (who, model)
        assert response.url.startswith(reverse("admin:login"))


def test_admin_refuses_anonymous(client, seed):
    response = client.get(admin_url(Claim, "changelist"))
    assert response.status_code == 302


def test_capture_admin_is_read_only_and_shows_the_text(client, adam_admin, seed):
    client.force_login(adam_admin)
    capture = Capture.objects.get()
    response = client.get(admin_url(Capture, "change", capture.pk))
    assert "Aucune raison officielle" in response.text
    assert 'name="_save"' not in response.text
    assert client.post(admin_url(Capture, "delete", capture.pk), {"post": "yes"}).status_code == 403


def test_admin_adds_an_article_with_its_first_capture(client, adam_admin):
    client.force_login(adam_admin)
    response = client.post(
        admin_url(Article, "add"),
        {
            "title": "Nouvel article",
            "url": "https://news.example.org/nouvel",
            "authors": "[]",
            "language": "fr",
            "text": "Premier paragraphe.\r\n\r\nSecond paragraphe.",
            "captures-TOTAL_FORMS": "0",
            "captures-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    article = Article.objects.get(title="Nouvel article")
    assert article.captures.get().text == "Premier paragraphe.\n\nSecond paragraphe."


def test_admin_annotation_edit_goes_through_services(client, adam_admin, seed):
    client.force_login(adam_admin)
    annotation = Annotation.objects.get()
    version = annotation.version
    tag = Tag.objects.get(slug="disputed")
    response = client.post(
        admin_url(Annotation, "change", annotation.pk),
        {
            "tags": [tag.pk],
            "confidence": "0.650",
            "verdict": "misleading",
            "rationale": "Revised.",
            "reason": "The ministry answered.",
            "expected_version": version,
            "evidence-TOTAL_FORMS": "1",
            "evidence-INITIAL_FORMS": "0",
            "evidence-0-stance": "contradicts",
            "evidence-0-url": "https://www.example.org/statement",
            "evidence-0-note": "Ministry statement.",
        },
    )
    assert response.status_code == 302, response.content
    annotation.refresh_from_db()
    assert annotation.verdict == "misleading"
    assert list(annotation.tags.all()) == [tag]
    assert annotation.version == version + 2  # the edit, then the evidence
    assert Evidence.objects.get().added_by == adam_admin
    actions = list(
        Entry.objects.about("annotation", annotation.pk).values_list("action", flat=True)
    )
    assert actions[-2:] == ["edited", "evidence added"]


def test_admin_claim_appearance_with_wrong_quote_is_shown_as_an_error(client, adam_admin, seed):
    client.force_login(adam_admin)
    capture = Capture.objects.get()
    response = client.post(
        admin_url(Claim, "add"),
        {
            "text": "Le Kirghizistan a annulé les exercices.",
            "language": "fr",
            "claimant": "",
            "appearances-TOTAL_FORMS": "1",
            "appearances-INITIAL_FORMS": "0",
            "appearances-0-capture": capture.pk,
            "appearances-0-start": "0",
            "appearances-0-end": "10",
            "appearances-0-quote": "Pas ce texte",
        },
    )
    assert response.status_code == 200
    assert "does not match the capture" in response.text
    assert Claim.objects.count() == 1


def test_admin_publish_action_follows_the_review_rules(client, adam_admin, alice_journalist, seed):
    from annotations import services

    claim = Claim.objects.get()
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence="0.4", submit=True
    )
    client.force_login(adam_admin)
    response = client.post(
        admin_url(Annotation, "changelist"),
        {"action": "publish_selected", "_selected_action": [annotation.pk]},
    )
    assert response.status_code == 302
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.PUBLISHED
    assert annotation.reviewed_by == adam_admin


def test_admin_source_and_article_writes_go_through_the_archive_services(
    client, adam_admin, seed, monkeypatch
):
    from archive import services

    calls = []

    def spy(name):
        original = getattr(services, name)

        def call(**kwargs):
            calls.append((name, kwargs["actor"]))
            return original(**kwargs)

        monkeypatch.setattr(services, name, call)

    from archive.admin import SourceAdmin

    # The source admin names its services when its class is made: it is given the spy too.
    assert SourceAdmin.save_service is services.save_source
    for name in ("save_source", "update_article"):
        spy(name)
    monkeypatch.setattr(SourceAdmin, "save_service", staticmethod(services.save_source))
    client.force_login(adam_admin)
    response = client.post(
        admin_url(Source, "add"),
        {"name": "Kloop", "slug": "kloop", "domains": '["Kloop.KG"]', "country": "kg"},
    )
    assert response.status_code == 302, response.content
    source = Source.objects.get(slug="kloop")
    assert (source.country, source.domains) == ("KG", ["kloop.kg"])
    article = Article.objects.get()
    response = client.post(
        admin_url(Article, "change", article.pk),
        {
            "source": source.pk,
            "url": article.url,
            "title": "Titre corrigé",
            "authors": "[]",
            "language": article.language,
            "captures-TOTAL_FORMS": "1",
            "captures-INITIAL_FORMS": "1",
            "captures-0-id": article.captures.get().pk,
            "captures-0-article": article.pk,
        },
    )
    assert response.status_code == 302, response.content
    article.refresh_from_db()
    assert (article.title, article.source) == ("Titre corrigé", source)
    assert calls == [("save_source", adam_admin), ("update_article", adam_admin)]


def test_admin_offers_no_deletion_of_articles(client, adam_admin, seed):
    client.force_login(adam_admin)
    article = Article.objects.get()
    assert client.post(admin_url(Article, "delete", article.pk), {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


def test_admin_removes_a_claim_that_followed_the_text_softly(client, adam_admin, erin_editor, seed):
    from annotations.models import Appearance, AppearanceAnchor
    from archive.ingest.documents import CapturePayload
    from archive.services import add_capture

    appearance = Appearance.objects.get()
    add_capture(
        actor=erin_editor,
        article=appearance.capture.article,
        capture=CapturePayload(text="Mise à jour.\n\n" + appearance.capture.text, origin="paste"),
    )
    assert AppearanceAnchor.objects.filter(appearance=appearance).exists()
    client.force_login(adam_admin)
    url = admin_url(Claim, "delete", appearance.claim_id)

    page = client.get(url)
    response = client.post(url, {"post": "yes"})

    assert page.status_code == 200
    assert appearance.claim.text[:40] in page.text
    assert response.status_code == 302
    claim = Claim.objects.get(pk=appearance.claim_id)
    assert claim.deleted_at is not None
    assert AppearanceAnchor.objects.filter(appearance=appearance).exists()


def test_admin_removes_a_published_claim_softly_with_a_recorded_reason(client, adam_admin, seed):
    client.force_login(adam_admin)
    claim = Claim.objects.get()
    assert claim.annotations.published().exists()
    response = client.post(admin_url(Claim, "delete", claim.pk), {"post": "yes"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.deleted_at is not None
    entry = Entry.objects.about("claim", claim.pk).get(action="deleted")
    assert (entry.actor_name, entry.reason) == (
        "adam_admin",
        "Removed by an administrator in the admin.",
    )


def test_admin_edit_of_published_work_without_a_reason_is_a_form_error(client, adam_admin, seed):
    client.force_login(adam_admin)
    claim = Claim.objects.get()
    response = client.post(
        admin_url(Claim, "change", claim.pk),
        {
            "text": "Reworded.",
            "language": claim.language,
            "claimant": "",
            "appearances-TOTAL_FORMS": "0",
            "appearances-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "say why it changes" in response.content.decode()
    claim.refresh_from_db()
    assert claim.text != "Reworded."


# Imports (issue 21, item 5: the jobs admin was removed with the task queue's)


@pytest.fixture
def stopped_import(alice_journalist, tmp_path):
    """An import of two files that failed: the first was not UTF-8 (since fixed), and the job
    stopped before the second."""
    first, second = tmp_path / "one.txt", tmp_path / "two.txt"
    first.write_text(f"Premier\n{CAPTURE_TEXT}")
    second.write_text(f"Second\n{CAPTURE_TEXT}")
    job = imports.create_import(actor=alice_journalist, inputs=imports.path_inputs([first, second]))
    ImportItem.objects.create(
        job=job, position=0, name=str(first), outcome="failed", error="not UTF-8 text"
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status="failed",
        done=1,
        failed=1,
        total=2,
        attempts=3,
        error="Stopped: used more than 512 MB (CLAIMDESK_JOB_MAX_MEMORY_MB).",
    )
    return ImportJob.objects.get(pk=job.pk)


def test_admin_shows_imports_read_only_with_their_items_linked(client, adam_admin, stopped_import):
    client.force_login(adam_admin)

    listing = client.get(admin_url(ImportJob, "changelist"))
    page = client.get(admin_url(ImportJob, "change", stopped_import.pk))

    assert listing.status_code == 200
    assert f"import {stopped_import.pk} (failed)" in listing.text
    assert "Stopped: used more than 512 MB" in page.text
    assert f'href="/imports/{stopped_import.pk}/"' in page.text
    assert f'href="/api/imports/{stopped_import.pk}/items/"' in page.text
    assert 'name="_save"' not in page.text
    assert client.get(admin_url(ImportJob, "add")).status_code == 403
    response = client.post(admin_url(ImportJob, "delete", stopped_import.pk), {"post": "yes"})
    assert response.status_code == 403


def test_admin_runs_a_failed_import_again_storing_what_failed_or_was_not_reached(
    client, adam_admin, stopped_import, django_capture_on_commit_callbacks
):
    client.force_login(adam_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            admin_url(ImportJob, "changelist"),
            {"action": "run_again", "_selected_action": [stopped_import.pk]},
            follow=True,
        )

    assert "Queued 1 import again" in response.text
    job = ImportJob.objects.get(pk=stopped_import.pk)
    assert (job.status, job.done, job.failed, job.error) == ("succeeded", 2, 0, "")
    assert [item.outcome for item in job.items.all()] == ["created", "created"]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Premier", "Second"]


@pytest.mark.parametrize("status", ["running", "succeeded"])
def test_admin_does_not_run_again_an_import_running_or_succeeded(
    client, adam_admin, stopped_import, status
):
    ImportJob.objects.filter(pk=stopped_import.pk).update(status=status)
    client.force_login(adam_admin)

    response = client.post(
        admin_url(ImportJob, "changelist"),
        {"action": "run_again", "_selected_action": [stopped_import.pk]},
        follow=True,
    )

    assert f"Import {stopped_import.pk} " in response.text
    assert "import again" not in response.text
    assert ImportJob.objects.get(pk=stopped_import.pk).status == status


@pytest.mark.parametrize("who", ["erin_editor", "alice_journalist"])
def test_admin_refuses_imports_to_non_admins(request, client, who, stopped_import):
    client.force_login(request.getfixturevalue(who))
    response = client.get(admin_url(ImportJob, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
