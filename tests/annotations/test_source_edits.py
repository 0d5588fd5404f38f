"""Silent edits flagged: when a new capture rewords or removes the sentence a claim was checked
in, the claim says so publicly (`source_edits`), the journal records it ("source_edited"), and
the read model, the change feed, the filter and the pages follow. A move is no edit."""

import importlib
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from annotations.models import Appearance, Claim
from archive.models import Capture
from journal.models import Entry
from publication import published
from tests.annotations.test_reanchoring import (
    KEPT,
    REMOVED,
    REWORDED,
    mark,
    recapture,
    seed_text,
    with_inserted_paragraph,
)
from tests.factories import CLAIM_SENTENCE, annotated_claims
from tests.journal.test_changes_feed import read_all

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def iso_z(capture: Capture) -> str:
    return capture.captured_at.isoformat().replace("+00:00", "Z")


def day_of(capture: Capture, language: str) -> str:
    with translation.override(language):
        return date_format(localtime(capture.captured_at))


def seed_claim() -> Claim:
    return Claim.objects.get(appearances__quote=CLAIM_SENTENCE)


def edit_entries():
    return Entry.objects.filter(action="source_edited").order_by("pk")


@pytest.fixture
def reworded(seeded):
    """The seed article captured again with the seed claim's sentence reworded."""
    claim = seed_claim()
    _, body = seed_text()
    capture = recapture(body.replace(CLAIM_SENTENCE, REWORDED)).capture
    claim.refresh_from_db()
    return claim, capture


def test_a_reworded_sentence_is_a_public_source_edit_with_its_journal_entry(reworded, api):
    claim, capture = reworded
    edit = {
        "at": iso_z(capture),
        "capture": capture.pk,
        "change": "reworded",
        "before": CLAIM_SENTENCE,
        "after": REWORDED,
    }

    assert claim.source_edits == [edit]
    [entry] = edit_entries()
    assert (
        entry.kind,
        entry.object_id,
        entry.claim_id,
        entry.action,
        entry.public,
        entry.actor_name,
        entry.changes,
    ) == (
        "claim",
        claim.pk,
        claim.pk,
        "source_edited",
        True,
        "re-anchoring",
        [{"field": "source_edits", "from": [], "to": [edit]}],
    )
    assert api.get(f"/api/claims/{claim.pk}/").json()["source_edits"] == [edit]
    history = api.get(f"/api/claims/{claim.pk}/history/").json()["results"]
    assert (history[-1]["action"], history[-1]["changes"]) == ("source_edited", entry.changes)


def test_a_source_edit_reaches_the_read_model_the_export_and_the_change_feed(reworded, api):
    claim, _ = reworded
    live = api.get(f"/api/claims/{claim.pk}/").json()

    call_command("rebuild_published", "--check")  # CommandError when anything differs
    assert not published.differences()
    [line] = api.get("/api/claims/export.jsonl").getvalue().decode().splitlines()
    assert '"source_edits":[{"at"' in line
    results, _ = read_all(api)
    [last] = [r for r in results if r["id"] == claim.pk][-1:]
    assert (last["action"], last["claim"]) == ("upsert", live)
    assert last["claim"]["source_edits"][0]["change"] == "reworded"


def test_a_removed_sentence_is_a_removal_with_no_after(seeded, api):
    claim = seed_claim()
    _, body = seed_text()

    capture = recapture(body.replace(CLAIM_SENTENCE, "")).capture

    claim.refresh_from_db()
    assert claim.source_edits == [
        {
            "at": iso_z(capture),
            "capture": capture.pk,
            "change": "removed",
            "before": CLAIM_SENTENCE,
            "after": None,
        }
    ]
    assert Appearance.objects.get(claim=claim).anchor_status == "orphaned"
    assert edit_entries().count() == 1
    assert api.get(f"/api/claims/{claim.pk}/").json()["source_edits"][0]["after"] is None


def test_a_moved_sentence_is_no_edit(seeded, alice_journalist):
    kept = mark(Capture.objects.get(), KEPT, alice_journalist)
    _, body = seed_text()

    recapture(with_inserted_paragraph(body))

    assert Appearance.objects.get(pk=kept.pk).start > kept.start
    assert list(Claim.objects.values_list("source_edits", flat=True)) == [[], []]
    assert not edit_entries().exists()


def test_a_capture_that_keeps_the_sentence_is_no_edit(seeded):
    _, body = seed_text()

    recapture(body + "\n\nUn paragraphe ajouté à la fin.")
    recapture(body + "\n\nUn paragraphe ajouté à la fin.")  # identical: no new capture

    assert Capture.objects.count() == 2
    assert seed_claim().source_edits == []
    assert not edit_entries().exists()


def test_a_sentence_reworded_then_left_alone_is_one_edit_and_a_second_rewording_appends(
    reworded,
):
    claim, first = reworded
    _, body = seed_text()
    recapture(body.replace(CLAIM_SENTENCE, REWORDED) + "\n\nUn ajout.")
    again = REWORDED.replace("donnée", "communiquée")

    second = recapture(body.replace(CLAIM_SENTENCE, again)).capture

    claim.refresh_from_db()
    assert [(e["capture"], e["before"], e["after"]) for e in claim.source_edits] == [
        (first.pk, CLAIM_SENTENCE, REWORDED),
        (second.pk, REWORDED, again),
    ]
    last = edit_entries().last()
    assert last.changes[0]["from"] == claim.source_edits[:1]
    assert last.changes[0]["to"] == claim.source_edits


def test_a_sentence_still_missing_is_not_removed_twice(seeded):
    claim = seed_claim()
    _, body = seed_text()
    recapture(body.replace(CLAIM_SENTENCE, ""))
    recapture(body.replace(CLAIM_SENTENCE, "") + "\n\nUn ajout.")

    claim.refresh_from_db()
    assert [e["change"] for e in claim.source_edits] == ["removed"]


def test_the_background_re_anchoring_job_records_source_edits(
    seeded, alice_journalist, settings, django_capture_on_commit_callbacks
):
    settings.CLAIMDESK_REANCHOR_INLINE_MAX = 1
    first = Capture.objects.get()
    mark(first, REMOVED, alice_journalist)
    _, body = seed_text()

    with django_capture_on_commit_callbacks(execute=True):
        capture = recapture(body.replace(CLAIM_SENTENCE, REWORDED).replace(REMOVED, "")).capture

    changes = {
        claim.text: [(e["change"], e["capture"]) for e in claim.source_edits]
        for claim in Claim.objects.all()
    }
    assert changes == {
        CLAIM_SENTENCE: [("reworded", capture.pk)],
        REMOVED: [("removed", capture.pk)],
    }
    entries = edit_entries()
    assert [(e.actor_name, e.public) for e in entries] == [
        ("re-anchoring", True),  # the seed claim is published
        ("re-anchoring", False),  # Alice's claim has no published annotation
    ]
    assert not published.differences()


# The filter


@pytest.mark.parametrize("count", [1, 20])
def test_the_anonymous_list_filters_on_source_edits_in_one_statement(
    api, seeded, django_assert_num_queries, count
):
    edited = seed_claim().pk
    _, body = seed_text()
    recapture(body.replace(CLAIM_SENTENCE, REWORDED))
    others = {claim.pk for claim in annotated_claims(count)}

    # The page of stored documents, the condition on the claim inside the same query.
    with django_assert_num_queries(1):
        yes = api.get("/api/claims/?source_edited=true&page_size=50").json()["results"]
    with django_assert_num_queries(1):
        no = api.get("/api/claims/?source_edited=false&page_size=50").json()["results"]

    assert [c["id"] for c in yes] == [edited]
    assert {c["id"] for c in no} == others
    assert api.get("/api/claims/?source_edited=maybe").status_code == 400


def test_the_filter_serves_editors_the_live_path_and_the_export(
    reworded, as_user, erin_editor, api
):
    claim, _ = reworded
    editor = as_user(erin_editor)
    assert [c["id"] for c in editor.get("/api/claims/?source_edited=true").json()["results"]] == [
        claim.pk
    ]
    assert editor.get("/api/claims/?source_edited=false").json()["results"] == []
    lines = api.get("/api/claims/export.jsonl?source_edited=false").getvalue()
    assert lines == b""


def test_the_schema_documents_the_filter_and_the_field(api):
    schema = api.get("/api/schema/?format=json").json()
    parameters = {p["name"] for p in schema["paths"]["/api/claims/"]["get"]["parameters"]}
    assert "source_edited" in parameters
    claim = schema["components"]["schemas"]["Claim"]
    assert "source_edits" in claim["properties"]


# The pages


def test_the_claim_page_shows_the_badge_with_before_and_after(reworded, client):
    claim, capture = reworded

    page = client.get(f"/claims/{claim.pk}/").text

    assert f'<details class="source-edits" id="source-edits-{claim.pk}">' in page
    assert '<strong class="badge source-edited">Source edited</strong>' in page
    assert f'<time datetime="{capture.captured_at.isoformat()}">' in page
    assert f'<q lang="fr">{CLAIM_SENTENCE}</q>' in page
    assert f'<q lang="fr">{REWORDED}</q>' in page
    assert "sentence reworded" in page
    # The history says it in plain words.
    assert "the article reworded the sentence the claim was checked in" in page


def test_the_claim_page_shows_the_badge_in_french(reworded, client):
    claim, _ = reworded

    page = client.get(f"/claims/{claim.pk}/", **FRENCH).text

    assert '<strong class="badge source-edited">Source modifiée</strong>' in page
    assert "phrase reformulée" in page
    assert "l’article a reformulé la phrase" in page


def test_the_claim_page_of_a_removed_sentence_says_it_is_gone(seeded, client):
    _, body = seed_text()
    recapture(body.replace(CLAIM_SENTENCE, ""))

    page = client.get(f"/claims/{seed_claim().pk}/").text

    assert "sentence removed" in page
    assert "no longer in the article" in page
    assert "the article no longer has the sentence the claim was checked in" in page


def test_the_reader_badges_the_highlight_of_an_edited_claim(reworded, client):
    _, capture = reworded
    day = {lang: day_of(capture, lang) for lang in ("en", "fr")}

    page = client.get(f"/articles/{capture.article_id}/").text
    french = client.get(f"/articles/{capture.article_id}/", **FRENCH).text

    assert f'data-edited="Source edited {day["en"]}"' in page
    assert f", Source edited {day['en']})" in page  # in the highlight's accessible name
    assert f'data-edited="Source modifiée le {day["fr"]}"' in french


def test_the_claims_list_badges_edited_claims_and_filters_them(reworded, client, erin_editor):
    claim, _ = reworded
    anchor = f"/claims/{claim.pk}/#source-edits-{claim.pk}"

    page = client.get("/claims/").text
    only_edited = client.get("/claims/?source_edited=true").text
    none = client.get("/claims/?source_edited=false").text
    french = client.get("/claims/", **FRENCH).text

    assert f'<a class="badge source-edited" href="{anchor}">Source edited <time' in page
    assert 'name="source_edited"' in page
    assert anchor in only_edited
    assert anchor not in none and "No claim matches these filters." in none
    assert f'<a class="badge source-edited" href="{anchor}">Source modifiée <time' in french


# Claims re-anchored before source_edits existed


def test_the_migration_derives_from_recorded_anchorings_what_re_anchoring_records(
    seeded, alice_journalist
):
    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("annotations.migrations.0013_source_edits")
    mark(Capture.objects.get(), REMOVED, alice_journalist)
    mark(Capture.objects.get(), KEPT, alice_journalist)
    _, body = seed_text()
    recapture(with_inserted_paragraph(body).replace(CLAIM_SENTENCE, REWORDED))
    recapture(body.replace(CLAIM_SENTENCE, REWORDED).replace(REMOVED, ""))
    recapture(body.replace(REMOVED, "") + "\n\nUn ajout.")  # the first wording is back
    recorded = dict(Claim.objects.values_list("pk", "source_edits"))
    assert sorted(len(edits) for edits in recorded.values()) == [0, 1, 2]
    # As the data stood before the field: no edits, no such entries.
    Claim.objects.update(source_edits=[])
    edit_entries().delete()

    migration.derive_source_edits(apps, SimpleNamespace(connection=connection))

    assert dict(Claim.objects.values_list("pk", "source_edits")) == recorded
    entries = edit_entries()
    assert [(e.claim_id, e.changes[0]["to"], e.actor_name) for e in entries] == [
        (pk, edits, "re-anchoring") for pk, edits in sorted(recorded.items()) if edits
    ]
