"""The French interface: the catalogue is complete and compiled, pages follow the browser's
language or the switch in the navigation, English stays the default, and the API keeps
answering in English."""

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from annotations import services
from tests.factories import CLAIM_SENTENCE, CaptureFactory, TagFactory, mark_sentence

from .browser.conftest import in_ci
from .pofile import read_po

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "fr" / "LC_MESSAGES" / "django.mo"
# What makemessages reads: the packages of the project (not its tests and benchmark) and these.
SOURCES = {"templates"}
IGNORED_FILES = shutil.ignore_patterns("__pycache__", "*.pyc", "locale")


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A French request leaves French active in this thread (LocaleMiddleware activates a
    language per request and does not restore it): give the next tests English back."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def catalogue(entries) -> dict:
    """A .po's entries as the keys and values of a compiled catalogue (Python's gettext):
    "context\\x04msgid" for a context, (msgid, n) for each plural form."""
    compiled = {}
    for entry in entries:
        if entry.obsolete:
            continue
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural is None:
            compiled[msgid] = entry.msgstr[0]
        else:
            for n, text in enumerate(entry.msgstr):
                compiled[(msgid, n)] = text
    return compiled


def test_every_french_entry_is_translated_and_none_is_fuzzy():
    entries = [e for e in read_po(PO) if e.msgid]
    assert len(entries) > 300
    untranslated = [e.key for e in entries if not e.translated]
    fuzzy = [e.key for e in entries if "fuzzy" in e.flags]
    obsolete = [e.key for e in entries if e.obsolete]
    assert (untranslated, fuzzy, obsolete) == ([], [], [])


def test_the_compiled_french_catalogue_matches_the_po_file():
    with MO.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    expected = catalogue(read_po(PO))
    plural_forms = [line for line in expected.pop("").splitlines() if "Plural-Forms" in line]
    assert plural_forms and plural_forms[0] in compiled.pop("")
    assert compiled == expected, "run: python manage.py compilemessages -l fr -i .venv"


def test_makemessages_finds_no_string_missing_from_the_french_catalogue(tmp_path, monkeypatch):
    """makemessages, run on a copy of the project's code and templates into a copy of the
    catalogue, adds nothing and drops nothing: every string marked in the templates and the code
    is in the catalogue, translated."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        message = "gettext (xgettext, msgmerge) is needed: apt-get install gettext."
        if in_ci():
            pytest.fail(message + " CI is set, so this test must run.")
        pytest.skip(message)
    # A copy, because makemessages writes a work file beside each template while it reads it.
    root = Path(settings.BASE_DIR)
    source = tmp_path / "source"
    for folder in root.iterdir():
        if folder.name in SOURCES or (
            (folder / "__init__.py").exists() and folder.name not in ("tests", "bench")
        ):
            shutil.copytree(folder, source / folder.name, ignore=IGNORED_FILES)
    copy = tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(PO, copy)
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["fr"], no_obsolete=True, verbosity=0)
    extracted = {e.key: e for e in read_po(copy) if e.msgid}
    committed = {e.key for e in read_po(PO) if e.msgid}
    missing = sorted(set(extracted) - committed, key=str)
    stale = sorted(committed - set(extracted), key=str)
    not_ready = sorted(
        (k for k, e in extracted.items() if not e.translated or "fuzzy" in e.flags), key=str
    )
    assert (missing, stale, not_ready) == ([], [], []), (
        "update the catalogue: see the README, Languages"
    )


@pytest.fixture
def newsroom(db, alice_journalist, erin_editor):
    """The seed's claim, marked by Alice, annotated, edited twice and submitted (two edits
    after its creation; submitting is no edit)."""
    TagFactory(slug="unverified", label="Unverified")
    capture = CaptureFactory(article__language="fr")
    claim = mark_sentence(alice_journalist, capture)
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence="0.6", tags=["unverified"]
    )
    for confidence in ("0.65", "0.7"):
        annotation = services.update_annotation(
            user=alice_journalist,
            annotation=annotation,
            confidence=confidence,
            expected_version=annotation.version,
        )
    services.submit_annotation(
        user=alice_journalist, annotation=annotation, expected_version=annotation.version
    )
    return {"capture": capture, "claim": claim}


def french(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert response.status_code == 200, url
    assert response["Content-Language"] == "fr"
    return response.text


def test_pages_speak_french_to_a_browser_that_asks_for_it(client, newsroom, erin_editor):
    capture, claim = newsroom["capture"], newsroom["claim"]
    article = capture.article_id
    start = capture.text.index(CLAIM_SENTENCE)
    end = start + len(CLAIM_SENTENCE)
    client.force_login(erin_editor)
    expected = {
        "/": ["Archivés récemment", "Affirmations par étiquette", "Accueil"],
        f"/articles/{article}/": ["Affirmations dans cette capture", "Marquer l’affirmation"],
        f"/claims/{claim.pk}/": ["Où elle apparaît", "en attente de relecture", "Historique"],
        "/review/": ["File de relecture", "1 en attente", "Renvoyer avec un commentaire"],
        f"/articles/{article}/mark/?capture={capture.pk}&start={start}&end={end}": [
            "Marquer une affirmation",
            "Formulation de la nouvelle affirmation",
        ],
        "/articles/add/": ["Ajouter un article", "Adresses web", "La détecter d’après le texte"],
        "/claims/": ["Étiquettes (au moins une)", "Filtrer"],
    }
    for url, phrases in expected.items():
        html = french(client, url)
        assert '<html lang="fr">' in html, url
        for phrase in phrases:
            assert phrase in html, (url, phrase)


def test_annotation_cards_say_when_they_were_saved_in_french(client, newsroom, erin_editor):
    client.force_login(erin_editor)
    html = french(client, f"/claims/{newsroom['claim'].pk}/")
    assert "enregistrée <time" in html and ">il y a " in html
    assert "modifiée deux fois" in html
    assert "Français" in html  # the article's language by its French name


def test_english_is_the_default(client, newsroom):
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.text
    assert "Recently archived" in response.text and "Archivés récemment" not in response.text
    other = client.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="en">' in other.text


def test_the_switch_in_the_navigation_sets_the_language(client, newsroom):
    home = client.get("/").text
    assert 'action="/i18n/setlang/"' in home
    assert 'name="language" value="fr" lang="fr"' in home and ">Français</button>" in home
    client.get("/")  # the CSRF cookie the switch's form carries
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/claims/"})
    assert response.status_code == 302 and response["Location"] == "/claims/"
    page = client.get("/claims/").text  # no Accept-Language: the choice is remembered
    assert '<html lang="fr">' in page and "Affirmations" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").text


def test_the_switch_needs_the_csrf_token(newsroom):
    from django.test import Client

    checked = Client(enforce_csrf_checks=True)
    response = checked.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 403


def test_the_api_answers_in_english_whatever_the_browser_asks(client, newsroom):
    refused = client.post("/api/claims/", {}, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code in (401, 403)
    assert refused.json() == client.post("/api/claims/", {}).json()
    listed = client.get("/api/claims/?status=nonsense", HTTP_ACCEPT_LANGUAGE="fr")
    assert listed.status_code == 400
    assert "Select a valid choice" in str(listed.json())  # Django's French would be "Sélectionnez"
    assert listed["Content-Language"] == "en"


def test_french_charts_keep_svg_coordinates_as_numbers(
    client, newsroom, bob_journalist, erin_editor
):
    """SVG attributes take "12.5", never the French "12,5" that localised numbers would give."""
    services.create_annotation(
        user=bob_journalist, claim=newsroom["claim"], confidence="0.35", submit=True
    )
    client.force_login(erin_editor)
    html = french(client, "/agreement/")
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert charts, "the agreement page draws its charts"
    attributes = re.findall(
        r'\s(?:x|y|cx|cy|x1|y1|x2|y2|width|height|transform)="([^"]*)"', "".join(charts)
    )
    assert attributes and not [value for value in attributes if "," in value]
    assert "0,25" in "".join(charts)  # the tick labels are French numbers


def test_an_import_page_speaks_french(client, alice_journalist):
    from archive.imports import create_import, failed_items_error
    from archive.models import ImportJob

    job = create_import(actor=alice_journalist, inputs=[{"url": "https://example.org/a"}] * 2)
    client.force_login(alice_journalist)
    html = french(client, f"/imports/{job.pk}/")
    assert "Import en attente." in html and "Avancement\xa0:" in html
    assert "Votre import est dans la file d’attente." in html and "worker" not in html
    listing = french(client, "/imports/")
    assert "Mes imports" in listing and "2 entrées" in listing
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, total=2, done=2, failed=1, error=failed_items_error(1, 2)
    )
    html = french(client, f"/imports/{job.pk}/")
    assert "1 élément sur 2 en échec" in html and "2 adresses web" in html
    assert "Import échoué" in html
    assert client.get(f"/api/imports/{job.pk}/").json()["error"] == failed_items_error(1, 2)
