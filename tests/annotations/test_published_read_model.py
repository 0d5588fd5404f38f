"""The published read model stays equal to the live anonymous representation after every
write: each public write function of the services (found by introspection, as the journal's
own completeness test finds them) runs against a world of published and unpublished claims,
and then every claim's stored document must equal what the live path renders for an
anonymous reader, byte for byte — and a claim such a reader may not see has no row."""

from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.actors import IMPORT
from annotations import services as annotations_services
from annotations.models import Annotation, Claim, PublishedClaim
from archive import services as archive_services
from archive.ingest.documents import CapturePayload, Document
from publication import published
from tests.factories import CLAIM_SENTENCE, CaptureFactory, SourceFactory, TagFactory
from tests.journal.test_every_write_is_journaled import SCENARIOS as JOURNALED
from tests.journal.test_every_write_is_journaled import write_functions

pytestmark = pytest.mark.django_db

OTHER_SENTENCE = (
    "Juste un jour avant l’annulation, les exercices internationaux CTSO se sont terminés"
)


def assert_read_model_is_live():
    """Every claim: stored document == live anonymous representation; no row if invisible."""
    live = published.live_documents(Claim.objects.values_list("pk", flat=True))
    stored = dict(PublishedClaim.objects.values_list("claim_id", "document"))
    assert stored.keys() == live.keys()
    for pk, document in live.items():
        assert stored[pk] == document, f"claim {pk} is stale in the read model"


def span(capture, sentence: str) -> dict:
    start = capture.text.index(sentence)
    return {"start": start, "end": start + len(sentence), "quote": sentence}


def publish(annotation, author, editor) -> Annotation:
    annotations_services.submit_annotation(
        user=author, annotation=annotation, expected_version=annotation.version
    )
    return annotations_services.publish_annotation(
        user=editor, annotation=annotation, expected_version=annotation.version
    )


@pytest.fixture
def world(alice_journalist, bob_journalist, erin_editor, adam_admin):
    """Two published claims (one in another outlet) sharing a tag, with evidence; a claim with
    only a draft; everything made through the services."""
    source = SourceFactory(slug="akipress", name="AKIpress", country="KG")
    capture = CaptureFactory(article__source=source)
    disputed = TagFactory(slug="disputed", label="Disputed")
    appearance, _ = annotations_services.mark_claim(
        user=alice_journalist, capture=capture, **span(capture, CLAIM_SENTENCE)
    )
    claim = appearance.claim
    annotation = annotations_services.create_annotation(
        user=alice_journalist, claim=claim, confidence=0.6, tags=[disputed], verdict="false"
    )
    annotations_services.add_evidence(
        user=alice_journalist,
        annotation=annotation,
        stance="supports",
        url="https://example.org/a",
    )
    publish(annotation, alice_journalist, erin_editor)

    elsewhere = CaptureFactory()
    other, _ = annotations_services.mark_claim(
        user=bob_journalist, capture=elsewhere, **span(elsewhere, CLAIM_SENTENCE)
    )
    other_annotation = annotations_services.create_annotation(
        user=bob_journalist, claim=other.claim, confidence=0.9, tags=[disputed]
    )
    publish(other_annotation, bob_journalist, erin_editor)

    drafted, _ = annotations_services.mark_claim(
        user=alice_journalist, capture=capture, **span(capture, OTHER_SENTENCE)
    )
    draft = annotations_services.create_annotation(
        user=alice_journalist, claim=drafted.claim, confidence=0.4
    )
    annotation.refresh_from_db()
    return {
        "alice": alice_journalist,
        "bob": bob_journalist,
        "erin": erin_editor,
        "adam": adam_admin,
        "source": source,
        "capture": capture,
        "claim": claim,
        "annotation": annotation,
        "draft_claim": drafted.claim,
        "draft": draft,
        "tag": disputed,
    }


def recaptured(w):
    """The article's address fetched again (the fetch stands in), its text changed."""
    article = w["capture"].article
    page = Document(
        item=article.url,
        title=article.title,
        text="Avant tout. " + w["capture"].text,
        origin="url",
        origin_location=article.url,
    )
    with mock.patch("archive.services.fetch_url", return_value=page):
        return archive_services.recapture(actor=w["alice"], article=article)


def edited_draft(w) -> Annotation:
    return annotations_services.update_annotation(
        user=w["alice"], annotation=w["draft"], confidence=0.8, expected_version=w["draft"].version
    )


def document(title: str, **kwargs) -> Document:
    return Document(item=title, title=title, text=f"{title}: le texte.", origin="file", **kwargs)


A = "annotations.services."
R = "archive.services."
# Each write function → a write through it that changes (or may change) what anonymous
# readers see.
SCENARIOS = {
    A + "create_claim": lambda w: annotations_services.create_claim(
        user=w["alice"], text="Une autre affirmation.", language="fr"
    ),
    A + "update_claim": lambda w: annotations_services.update_claim(
        user=w["erin"], claim=w["claim"], text="Reworded.", reason="Clearer wording."
    ),
    A + "delete_claim": lambda w: annotations_services.delete_claim(
        user=w["erin"], claim=w["claim"], reason="Duplicate."
    ),
    A + "create_appearance": lambda w: annotations_services.create_appearance(
        user=w["erin"],
        claim=w["claim"],
        capture=w["capture"],
        **span(w["capture"], OTHER_SENTENCE),
    ),
    A + "mark_claim": lambda w: annotations_services.mark_claim(
        user=w["erin"], capture=w["capture"], **span(w["capture"], "le Kirghizistan a annulé")
    ),
    A + "reanchor_appearances": lambda w: archive_services.add_capture(
        actor=w["alice"],
        article=w["capture"].article,
        capture=CapturePayload(text="Avant. " + w["capture"].text, origin="file"),
    ),
    A + "create_annotation": lambda w: publish(
        annotations_services.create_annotation(
            user=w["bob"], claim=w["claim"], confidence=0.5, tags=["disputed"]
        ),
        w["bob"],
        w["erin"],
    ),
    A + "update_annotation": lambda w: annotations_services.update_annotation(
        user=w["adam"],
        annotation=w["annotation"],
        confidence=0.95,
        tags=[],
        reason="New ministry figures.",
        expected_version=w["annotation"].version,
    ),
    A + "submit_annotation": lambda w: annotations_services.submit_annotation(
        user=w["alice"], annotation=w["draft"], expected_version=w["draft"].version
    ),
    A + "publish_annotation": lambda w: publish(w["draft"], w["alice"], w["erin"]),
    A + "return_annotation": lambda w: annotations_services.return_annotation(
        user=w["erin"],
        annotation=w["annotation"],
        comment="Source?",
        expected_version=w["annotation"].version,
    ),
    A + "retract_annotation": lambda w: annotations_services.retract_annotation(
        user=w["erin"],
        annotation=w["annotation"],
        reason="Wrong figures.",
        expected_version=w["annotation"].version,
    ),
    A + "revert_annotation": lambda w: publish(
        annotations_services.revert_annotation(
            user=w["alice"],
            annotation=edited_draft(w),
            version=1,
            expected_version=w["draft"].version,
        ),
        w["alice"],
        w["erin"],
    ),
    A + "delete_annotation": lambda w: annotations_services.delete_annotation(
        user=w["alice"], annotation=w["draft"], expected_version=w["draft"].version
    ),
    A + "add_evidence": lambda w: publish(
        annotations_services.add_evidence(
            user=w["alice"], annotation=w["draft"], stance="context", capture=w["capture"]
        ).annotation,
        w["alice"],
        w["erin"],
    ),
    A + "remove_evidence": lambda w: annotations_services.remove_evidence(
        user=w["alice"],
        evidence=annotations_services.add_evidence(
            user=w["alice"], annotation=w["draft"], stance="supports", url="https://e.org/b"
        ),
    ),
    A + "save_tag_pattern": lambda w: annotations_services.save_tag_pattern(
        user=w["erin"], tag=w["tag"], language="fr", phrase="démenti"
    ),
    A + "delete_tag_pattern": lambda w: annotations_services.delete_tag_pattern(
        user=w["erin"],
        pattern=annotations_services.save_tag_pattern(
            user=w["erin"], tag=w["tag"], language="fr", phrase="démenti"
        ),
    ),
    A + "tag_capture": lambda w: annotations_services.tag_capture(
        user=w["bob"], capture=w["capture"], tag="disputed", rationale="Spun."
    ),
    A + "save_tag": lambda w: annotations_services.save_tag(
        user=w["erin"], tag=w["tag"], slug="contested", label="Contested", category="stance"
    ),
    A + "delete_tag": lambda w: annotations_services.delete_tag(
        user=w["erin"], tag=TagFactory(slug="unused")
    ),
    A + "assign_claims": lambda w: annotations_services.assign_claims(
        user=w["erin"], claims=[w["claim"], w["draft_claim"]], assignees=[w["bob"]]
    ),
    A + "unassign": lambda w: annotations_services.unassign(
        user=w["erin"],
        assignment=annotations_services.assign_claims(
            user=w["erin"], claims=[w["claim"]], assignees=[w["bob"]], blind=False
        )[0],
    ),
    A + "set_name": lambda w: annotations_services.set_name(
        user=w["alice"], first_name="Alice", last_name="Martin"
    ),
    A + "rename_person": lambda w: annotations_services.rename_person(
        user=w["adam"], person=w["erin"], username="erin_reviewer", first_name="", last_name=""
    ),
    R + "archive_article": lambda w: archive_services.archive_article(
        actor=IMPORT,
        title=w["capture"].article.title,
        url=w["capture"].article.url,
        capture=CapturePayload(text=w["capture"].text + " Mise à jour.", origin="file"),
    ),
    R + "add_capture": lambda w: archive_services.add_capture(
        actor=w["alice"],
        article=w["capture"].article,
        capture=CapturePayload(text="Un tout autre texte.", origin="file"),
    ),
    R + "recapture": recaptured,
    R + "update_article": lambda w: archive_services.update_article(
        actor=w["adam"],
        article=w["capture"].article,
        title="Corrected title",
        url="https://example.org/corrected",
        source=SourceFactory(slug="le-monde", name="Le Monde"),
    ),
    R + "save_source": lambda w: archive_services.save_source(
        actor=w["adam"], source=w["source"], name="AKIpress News", slug="aki", country="KZ"
    ),
    R + "delete_source": lambda w: archive_services.delete_source(
        actor=w["adam"], source=SourceFactory()
    ),
    R + "archive_document": lambda w: archive_services.archive_document(
        document("Un", url=w["capture"].article.url), actor=IMPORT
    ),
    R + "archive_documents": lambda w: list(
        archive_services.archive_documents(
            [document("Deux"), document("Trois", url=w["capture"].article.url)], actor=IMPORT
        )
    ),
    # Webhook and watch writes show readers nothing: the journal's scenarios, which need only
    # Erin, a claim and a capture.
    **{
        name: write
        for name, (write, _) in JOURNALED.items()
        if name.startswith(("webhooks.", "watching."))
    },
}


def test_every_write_function_has_a_read_model_scenario():
    assert write_functions() == set(SCENARIOS)


def test_the_world_starts_in_the_read_model(world):
    stored = set(PublishedClaim.objects.values_list("claim_id", flat=True))
    assert world["claim"].pk in stored and world["draft_claim"].pk not in stored
    assert_read_model_is_live()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_after_each_write_the_read_model_equals_the_live_representation(world, name):
    before = dict(PublishedClaim.objects.values_list("claim_id", "document"))
    SCENARIOS[name](world)
    assert_read_model_is_live()
    if name in CHANGES_WHAT_READERS_SEE:
        after = dict(PublishedClaim.objects.values_list("claim_id", "document"))
        assert after != before, f"{name}: the scenario should change what readers see"


# The scenarios above whose write changes an anonymous reader's view (the others are checked
# all the same: nothing may go stale).
CHANGES_WHAT_READERS_SEE = {
    A + name
    for name in (
        "update_claim",
        "delete_claim",
        "create_appearance",
        "reanchor_appearances",
        "create_annotation",
        "update_annotation",
        "publish_annotation",
        "return_annotation",
        "retract_annotation",
        "revert_annotation",
        "add_evidence",
        "save_tag",
        "rename_person",
    )
} | {R + name for name in ("update_article", "save_source", "add_capture", "recapture")}


def test_a_plain_save_of_a_username_refreshes_nothing_only_the_service_does(world):
    """The read model follows the journal alone: a username saved around the services (no
    entry) leaves it stale until `rename_person` journals the change."""
    alice = world["alice"]
    alice.username = "alice_renamed"
    alice.save()
    assert published.differences().stale
    annotations_services.rename_person(
        user=world["adam"], person=alice, username="alice_again", first_name="", last_name=""
    )
    assert_read_model_is_live()
    assert "alice_again" in PublishedClaim.objects.get(claim=world["claim"]).document


def test_a_login_does_not_look_for_a_username_change(world, client):
    with CaptureQueriesContext(connection) as queries:
        client.force_login(world["alice"])
    assert not any("annotations_publishedclaim" in q["sql"] for q in queries)


def test_a_tag_rename_refreshes_every_claim_showing_it_in_batches(world, monkeypatch):
    monkeypatch.setattr(published, "BATCH_SIZE", 1)
    annotations_services.save_tag(user=world["erin"], tag=world["tag"], slug="x", label="X")
    assert_read_model_is_live()
    labels = [d for d in PublishedClaim.objects.values_list("document", flat=True)]
    assert len(labels) == 2 and all('"label":"X"' in d for d in labels)


def test_a_change_to_a_field_no_claim_shows_refreshes_nothing(world):
    with CaptureQueriesContext(connection) as queries:
        archive_services.save_source(actor=world["adam"], source=world["source"], notes="Kept.")
    assert not any("annotations_publishedclaim" in q["sql"] for q in queries)


# The command


def test_rebuild_published_fills_an_empty_read_model_and_is_idempotent(world, capsys):
    expected = dict(PublishedClaim.objects.values_list("claim_id", "document"))
    PublishedClaim.objects.all().delete()
    call_command("rebuild_published", "--batch-size", "1")
    assert "2 missing, 0 stale, 0 no longer visible fixed" in capsys.readouterr().out
    assert dict(PublishedClaim.objects.values_list("claim_id", "document")) == expected
    call_command("rebuild_published")
    assert "0 missing, 0 stale, 0 no longer visible fixed" in capsys.readouterr().out
    call_command("rebuild_published", "--check")
    assert "matches the live representation" in capsys.readouterr().out


def test_rebuild_published_check_reports_differences_and_fails(world, capsys):
    claim, draft_claim = world["claim"], world["draft_claim"]
    PublishedClaim.objects.filter(claim=claim).update(document='{"stale":true}')
    PublishedClaim.objects.create(claim=draft_claim, document="{}")
    with pytest.raises(CommandError, match="1 missing, 1 stale, 1 no longer visible"):
        other = PublishedClaim.objects.exclude(claim__in=[claim, draft_claim]).get()
        other.delete()
        call_command("rebuild_published", "--check")
    out = capsys.readouterr().out
    assert f"stale: claims {claim.pk}" in out
    assert f"no longer visible: claims {draft_claim.pk}" in out
    # --check changed nothing; a rebuild fixes all three.
    assert PublishedClaim.objects.get(claim=claim).document == '{"stale":true}'
    call_command("rebuild_published")
    assert_read_model_is_live()
