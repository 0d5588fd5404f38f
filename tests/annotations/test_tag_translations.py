"""The vocabulary in both interface languages: a tag's label and description per language,
set by editors on the tags page and through the API, journaled, shown in the reader's
language everywhere and carried by the claim representation."""

import json

import pytest
from django.utils import timezone

from annotations import services
from annotations.models import Annotation, Tag
from journal.models import Entry
from publication import published
from tests.factories import AnnotationFactory, AppearanceFactory, ClaimFactory, TagFactory

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture
def unverified(db):
    return TagFactory(
        slug="unverified",
        label="Unverified",
        description="Not confirmed by an independent source.",
        labels={"fr": "Non vérifié"},
        descriptions={"fr": "Non confirmé par une source indépendante."},
    )


@pytest.fixture
def published_claim(unverified):
    claim = ClaimFactory()
    AppearanceFactory(claim=claim)
    AnnotationFactory(
        claim=claim,
        status=Annotation.Status.PUBLISHED,
        published_at=timezone.now(),
        verdict=Annotation.Verdict.FALSE,
        tags=[unverified],
    )
    return claim


def test_the_api_gives_every_language_s_label_and_description(api, unverified):
    tag = api.get("/api/tags/unverified/").json()

    assert {key: tag[key] for key in ("label", "labels", "description", "descriptions")} == {
        "label": "Unverified",
        "labels": {"en": "Unverified", "fr": "Non vérifié"},
        "description": "Not confirmed by an independent source.",
        "descriptions": {
            "en": "Not confirmed by an independent source.",
            "fr": "Non confirmé par une source indépendante.",
        },
    }


def test_the_api_answers_in_english_whatever_the_client_asks(api, unverified):
    assert api.get("/api/tags/unverified/", **FRENCH).json()["label"] == "Unverified"


def test_an_editor_patches_one_language_and_the_others_stay(as_user, erin_editor, unverified):
    unverified.descriptions = {}
    unverified.save()

    response = as_user(erin_editor).patch(
        "/api/tags/unverified/", {"labels": {"fr": "Pas encore vérifié"}}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["labels"] == {"en": "Unverified", "fr": "Pas encore vérifié"}
    tag = Tag.objects.get(slug="unverified")
    assert (tag.label, tag.labels) == ("Unverified", {"fr": "Pas encore vérifié"})
    entry = Entry.objects.filter(kind="tag", object_id=tag.pk).latest("id")
    assert (entry.action, entry.public, entry.changes) == (
        "edited",
        True,
        [
            {
                "field": "labels",
                "from": {"fr": "Non vérifié"},
                "to": {"fr": "Pas encore vérifié"},
            }
        ],
    )


def test_the_default_language_s_entry_is_the_label(as_user, erin_editor, unverified):
    response = as_user(erin_editor).patch(
        "/api/tags/unverified/", {"labels": {"en": "Not verified", "fr": ""}}, format="json"
    )

    assert response.json()["label"] == "Not verified"
    assert response.json()["labels"] == {"en": "Not verified"}  # blank removes French


def test_a_translation_into_a_language_the_interface_does_not_speak_is_a_400(
    as_user, erin_editor, unverified
):
    response = as_user(erin_editor).patch(
        "/api/tags/unverified/", {"labels": {"ru": "Непроверено"}}, format="json"
    )

    assert response.status_code == 400
    assert "ru" in json.dumps(response.json(), ensure_ascii=False)
    assert Tag.objects.get(slug="unverified").labels == {"fr": "Non vérifié"}


def test_a_translation_that_is_not_text_is_a_400(as_user, erin_editor, unverified):
    before = Tag.objects.get(slug="unverified").descriptions
    for value in (0, True, None, ["Faux"]):
        response = as_user(erin_editor).patch(
            "/api/tags/unverified/", {"descriptions": {"fr": value}}, format="json"
        )
        assert response.status_code == 400, value
    assert Tag.objects.get(slug="unverified").descriptions == before


def test_a_journalist_cannot_translate_the_vocabulary(as_user, alice_journalist, unverified):
    response = as_user(alice_journalist).patch(
        "/api/tags/unverified/", {"labels": {"fr": "Faux"}}, format="json"
    )
    assert response.status_code == 403


def test_an_editor_sets_the_french_label_on_the_tags_page(client, erin_editor, unverified):
    client.force_login(erin_editor)

    response = client.post(
        "/tags/unverified/translations/",
        {"label_fr": " Non confirmé ", "description_fr": "Aucune source indépendante."},
    )

    assert response.status_code == 302
    assert response["Location"] == "/tags/#tag-unverified"
    tag = Tag.objects.get(slug="unverified")
    assert tag.labels == {"fr": "Non confirmé"}
    assert tag.descriptions == {"fr": "Aucune source indépendante."}
    assert Entry.objects.filter(kind="tag", object_id=tag.pk, action="edited").exists()


def test_the_tags_page_offers_editors_the_translations_form(client, erin_editor, unverified):
    client.force_login(erin_editor)
    page = client.get("/tags/").text
    assert 'action="/tags/unverified/translations/"' in page
    assert 'value="Non vérifié"' in page


def test_a_journalist_cannot_set_translations_on_the_tags_page(client, alice_journalist):
    TagFactory(slug="unverified", label="Unverified")
    client.force_login(alice_journalist)
    response = client.post("/tags/unverified/translations/", {"label_fr": "Faux"})
    assert response.status_code == 403
    assert Tag.objects.get(slug="unverified").labels == {}


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/tags/", FRENCH),
        ("/claims/", FRENCH),
        ("/", FRENCH),
    ],
)
def test_the_french_interface_shows_french_labels(client, published_claim, path, headers):
    page = client.get(path, **headers).text
    assert "Non vérifié" in page
    assert ">Unverified<" not in page


def test_the_french_claim_page_and_filters_name_tags_in_french(client, published_claim):
    detail = client.get(f"/claims/{published_claim.pk}/", **FRENCH).text
    assert '<span class="tag" title="Non confirmé par une source indépendante.">Non vérifié' in (
        detail
    )
    claims = client.get("/claims/", **FRENCH).text
    # The tag filter's choice.
    assert 'value="unverified"' in claims and "Non vérifié</label>" in claims


def test_the_english_interface_keeps_english_labels(client, published_claim):
    page = client.get(f"/claims/{published_claim.pk}/").text
    assert ">Unverified<" in page and "Non vérifié" not in page


def test_a_tag_without_a_french_label_shows_its_english_one(client):
    TagFactory(slug="rumour", label="Rumour")
    assert "Rumour" in client.get("/tags/", **FRENCH).text


def test_the_claim_representation_carries_the_labels_and_the_read_model_follows(
    api, erin_editor, published_claim, unverified
):
    [tag] = api.get(f"/api/claims/{published_claim.pk}/").json()["annotations"][0]["tags"]
    assert tag == {
        "slug": "unverified",
        "label": "Unverified",
        "labels": {"en": "Unverified", "fr": "Non vérifié"},
    }

    services.save_tag(
        user=erin_editor,
        tag=unverified,
        slug="unverified",
        label="Unverified",
        labels={"fr": "Invérifié"},
    )

    [tag] = api.get(f"/api/claims/{published_claim.pk}/").json()["annotations"][0]["tags"]
    assert tag["labels"]["fr"] == "Invérifié"
    assert not published.differences()


def test_the_seed_vocabulary_ships_a_french_label_and_description_for_every_tag(seeded):
    for tag in Tag.objects.all():
        assert tag.labels.get("fr") and tag.descriptions.get("fr"), tag.slug
    assert Tag.objects.get(slug="spun-or-garbled-text").label_in("fr") == (
        "Texte paraphrasé ou brouillé"
    )


def test_seeding_again_adds_missing_french_labels_and_keeps_an_editor_s(db):
    from django.core.management import call_command

    call_command("load_seeds", verbosity=0)
    Tag.objects.filter(slug="unverified").update(labels={}, descriptions={})
    Tag.objects.filter(slug="disputed").update(labels={"fr": "Démenti"})

    call_command("load_seeds", verbosity=0)

    assert Tag.objects.get(slug="unverified").labels == {"fr": "Non vérifié"}
    assert Tag.objects.get(slug="disputed").labels == {"fr": "Démenti"}
    entry = Entry.objects.filter(kind="tag", action="edited").latest("id")
    assert entry.actor_name == "claimdesk"  # the seeds' owner
    assert not published.differences()
