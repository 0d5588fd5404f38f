"""No write path bypasses the journal: every write function of the product — every public
function, in any app, that takes its `user` or `actor` as a keyword (the services' form) — is
found by introspection and shown to record an entry."""

import importlib
import inspect
from unittest import mock

import pytest

from accounts.actors import IMPORT, REANCHORING
from annotations import services as annotations_services
from annotations.models import Annotation
from archive import services as archive_services
from archive.ingest.documents import CapturePayload, Document
from journal.models import Entry
from tests.factories import CLAIM_SENTENCE, CaptureFactory, SourceFactory, TagFactory
from tests.test_architecture import FLOORS, modules
from watching import services as watching_services
from watching.models import Watch
from webhooks import services as webhook_services
from webhooks.models import Delivery, Webhook

pytestmark = pytest.mark.django_db

# Functions that take an actor but write nothing editorial, each with its reason.
NOT_WRITES = {
    # The journal's own: builds an unsaved entry for the services' `record_all`.
    "journal.services.entry",
    # Queues an import job; the articles it brings are written (and journaled) by
    # archive.services.archive_documents, which has its scenario.
    "archive.imports.create_import",
    # The same for uploaded files (saved for the worker first), and the admin's "run again"
    # of a finished import, which queues a copy of it.
    "archive.imports.create_upload_import",
    "archive.imports.run_import_again",
    # A person's own inbox and mail settings: read by nobody else, shown in no published work,
    # followed by nothing downstream (read model, feed, webhooks) — unlike their name, which
    # published work credits and `set_name` journals. Notifications are themselves made from
    # the journal; marking them read is not an editorial write.
    "notifications.services.mark_read",
    "notifications.services.mark_all_read",
    "notifications.services.set_preferences",
}


def public_name(function) -> str:
    """`function` as the highest package exporting it names it: a service defined in
    annotations/services/claims.py is `annotations.services.create_claim`."""
    parts = function.__module__.split(".")
    while len(parts) > 1:
        parent = importlib.import_module(".".join(parts[:-1]))
        if getattr(parent, function.__name__, None) is not function:
            break
        parts.pop()
    return f"{'.'.join(parts)}.{function.__name__}"


def acts(function, in_services: bool) -> bool:
    """Whether `function` acts for someone (takes `user` or `actor` as a keyword-only
    argument, as services do) or, in a services module, holds a transaction of its own."""
    parameters = inspect.signature(function).parameters
    keyword_actor = any(
        parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        for name in {"user", "actor"} & set(parameters)
    )
    return keyword_actor or (in_services and hasattr(function, "__wrapped__"))


def write_functions() -> set[str]:
    """Every public function that `acts`, in the public modules of every app but `config`
    (migrations aside), by `public_name`."""
    apps = set().union(*FLOORS) - {"config"}
    found = set()
    for name in modules():
        parts = name.split(".")
        if parts[0] not in apps or "migrations" in parts or any(p.startswith("_") for p in parts):
            continue
        module = importlib.import_module(name)
        for function_name, function in inspect.getmembers(module, inspect.isfunction):
            if function_name.startswith("_") or function.__module__ != name:
                continue
            if acts(function, in_services="services" in parts):
                found.add(public_name(function))
    return found - NOT_WRITES


@pytest.fixture
def world(alice_journalist, erin_editor, adam_admin):
    capture = CaptureFactory()
    start = capture.text.index(CLAIM_SENTENCE)
    span = {"start": start, "end": start + len(CLAIM_SENTENCE), "quote": CLAIM_SENTENCE}
    appearance, _ = annotations_services.mark_claim(user=alice_journalist, capture=capture, **span)
    TagFactory(slug="disputed")
    annotation = annotations_services.create_annotation(
        user=alice_journalist, claim=appearance.claim, confidence=0.6, tags=["disputed"]
    )
    return {
        "alice": alice_journalist,
        "erin": erin_editor,
        "adam": adam_admin,
        "capture": capture,
        "span": span,
        "claim": appearance.claim,
        "annotation": annotation,
    }


def published(w) -> Annotation:
    annotations_services.submit_annotation(
        user=w["alice"], annotation=w["annotation"], expected_version=w["annotation"].version
    )
    return annotations_services.publish_annotation(
        user=w["erin"], annotation=w["annotation"], expected_version=w["annotation"].version
    )


def recaptured(w):
    """The article's address fetched again (the fetch itself stands in: its tests are in
    tests/security/test_capture_provenance.py)."""
    article = w["capture"].article
    article.url = "https://example.org/story"
    article.save(update_fields=["url"])
    page = Document(
        item=article.url,
        title=article.title,
        text="Le texte a changé.",
        origin="url",
        origin_location=article.url,
    )
    with mock.patch("archive.services.fetch_url", return_value=page):
        return archive_services.recapture(actor=w["alice"], article=article)


def document(title: str) -> Document:
    return Document(item=title, title=title, text=f"{title}: le texte.", origin="file")


def webhook(w) -> Webhook:
    """Erin's webhook, made without the service (whose own scenario is above)."""
    return Webhook.objects.create(owner=w["erin"], url=PUBLIC_URL, events=["claim.published"])


A = "annotations.services."
R = "archive.services."
WATCHING = "watching.services."


def a_watch(w):
    return Watch.objects.create(url="https://example.org/page", kind="page")


W = "webhooks.services."
# A literal public address: vetted without a DNS look-up.
PUBLIC_URL = "https://93.184.215.14/hook"
# Each write function → (what calls it, the kind of entry it must record).
SCENARIOS = {
    A + "create_claim": (
        lambda w: annotations_services.create_claim(user=w["alice"], text="X", language="fr"),
        "claim",
    ),
    A + "update_claim": (
        lambda w: annotations_services.update_claim(user=w["alice"], claim=w["claim"], text="Y"),
        "claim",
    ),
    A + "delete_claim": (
        lambda w: annotations_services.delete_claim(user=w["erin"], claim=w["claim"]),
        "claim",
    ),
    A + "create_appearance": (
        lambda w: annotations_services.create_appearance(
            user=w["alice"],
            claim=annotations_services.create_claim(user=w["alice"], text="Z", language="fr"),
            capture=w["capture"],
            **w["span"],
        ),
        "appearance",
    ),
    A + "mark_claim": (
        lambda w: annotations_services.mark_claim(
            user=w["erin"], capture=w["capture"], **w["span"]
        ),
        "appearance",
    ),
    A + "reanchor_appearances": (
        lambda w: archive_services.add_capture(
            actor=w["alice"],
            article=w["capture"].article,
            capture=CapturePayload(text=w["capture"].text + " Suite.", origin="file"),
        ),
        "appearance",
    ),
    A + "create_annotation": (
        lambda w: annotations_services.create_annotation(
            user=w["erin"], claim=w["claim"], confidence=0.5
        ),
        "annotation",
    ),
    A + "update_annotation": (
        lambda w: annotations_services.update_annotation(
            user=w["alice"],
            annotation=w["annotation"],
            confidence=0.7,
            expected_version=w["annotation"].version,
        ),
        "annotation",
    ),
    A + "submit_annotation": (
        lambda w: annotations_services.submit_annotation(
            user=w["alice"], annotation=w["annotation"], expected_version=w["annotation"].version
        ),
        "annotation",
    ),
    A + "publish_annotation": (published, "annotation"),
    A + "return_annotation": (
        lambda w: annotations_services.return_annotation(
            user=w["erin"],
            annotation=published(w),
            comment="Source?",
            expected_version=w["annotation"].version,
        ),
        "annotation",
    ),
    A + "retract_annotation": (
        lambda w: annotations_services.retract_annotation(
            user=w["erin"],
            annotation=published(w),
            reason="Wrong figures.",
            expected_version=w["annotation"].version,
        ),
        "annotation",
    ),
    A + "revert_annotation": (
        lambda w: annotations_services.revert_annotation(
            user=w["alice"],
            annotation=annotations_services.update_annotation(
                user=w["alice"],
                annotation=w["annotation"],
                confidence=0.9,
                expected_version=w["annotation"].version,
            ),
            version=1,
            expected_version=w["annotation"].version,
        ),
        "annotation",
    ),
    A + "delete_annotation": (
        lambda w: annotations_services.delete_annotation(
            user=w["alice"], annotation=w["annotation"], expected_version=w["annotation"].version
        ),
        "annotation",
    ),
    A + "add_evidence": (
        lambda w: annotations_services.add_evidence(
            user=w["alice"],
            annotation=w["annotation"],
            stance="supports",
            url="https://example.org/a",
        ),
        "annotation",
    ),
    A + "remove_evidence": (
        lambda w: annotations_services.remove_evidence(
            user=w["alice"],
            evidence=annotations_services.add_evidence(
                user=w["alice"],
                annotation=w["annotation"],
                stance="supports",
                url="https://example.org/a",
            ),
        ),
        "annotation",
    ),
    A + "save_tag_pattern": (
        lambda w: annotations_services.save_tag_pattern(
            user=w["erin"], tag=w["annotation"].tags.get(), language="fr", phrase="démenti"
        ),
        "tag",
    ),
    A + "delete_tag_pattern": (
        lambda w: annotations_services.delete_tag_pattern(
            user=w["erin"],
            pattern=annotations_services.save_tag_pattern(
                user=w["erin"], tag=w["annotation"].tags.get(), language="fr", phrase="démenti"
            ),
        ),
        "tag",
    ),
    A + "tag_capture": (
        lambda w: annotations_services.tag_capture(
            user=w["alice"], capture=w["capture"], tag="disputed", rationale="Spun."
        ),
        "annotation",
    ),
    A + "save_tag": (
        lambda w: annotations_services.save_tag(user=w["erin"], slug="new", label="New"),
        "tag",
    ),
    A + "delete_tag": (
        lambda w: annotations_services.delete_tag(user=w["erin"], tag=TagFactory(slug="unused")),
        "tag",
    ),
    A + "assign_claims": (
        lambda w: annotations_services.assign_claims(
            user=w["erin"], claims=[w["claim"]], assignees=[w["alice"]]
        ),
        "assignment",
    ),
    A + "unassign": (
        lambda w: annotations_services.unassign(
            user=w["erin"],
            assignment=annotations_services.assign_claims(
                user=w["erin"], claims=[w["claim"]], assignees=[w["alice"]]
            )[0],
        ),
        "assignment",
    ),
    A + "set_name": (
        lambda w: annotations_services.set_name(
            user=w["alice"], first_name="Alice", last_name="Martin"
        ),
        "person",
    ),
    A + "rename_person": (
        lambda w: annotations_services.rename_person(
            user=w["adam"], person=w["alice"], username="alice", first_name="", last_name=""
        ),
        "person",
    ),
    R + "archive_article": (
        lambda w: archive_services.archive_article(
            actor=IMPORT, title="T", capture=CapturePayload(text="Texte.", origin="file")
        ),
        "capture",
    ),
    R + "add_capture": (
        lambda w: archive_services.add_capture(
            actor=w["alice"],
            article=w["capture"].article,
            capture=CapturePayload(text="Autre texte.", origin="file"),
        ),
        "capture",
    ),
    R + "recapture": (recaptured, "capture"),
    R + "update_article": (
        lambda w: archive_services.update_article(
            actor=w["adam"], article=w["capture"].article, title="Corrected"
        ),
        "article",
    ),
    R + "save_source": (
        lambda w: archive_services.save_source(
            actor=w["adam"], name="Le Monde", slug="le-monde", domains=["lemonde.fr"]
        ),
        "source",
    ),
    R + "delete_source": (
        lambda w: archive_services.delete_source(actor=w["adam"], source=SourceFactory()),
        "source",
    ),
    R + "archive_document": (
        lambda w: archive_services.archive_document(document("Un"), actor=IMPORT),
        "article",
    ),
    R + "archive_documents": (
        lambda w: list(archive_services.archive_documents([document("Deux")], actor=IMPORT)),
        "capture",
    ),
    WATCHING + "create_watch": (
        lambda w: watching_services.create_watch(
            actor=w["erin"], url="https://example.org/feed.xml", kind="feed"
        ),
        "watch",
    ),
    WATCHING + "update_watch": (
        lambda w: watching_services.update_watch(actor=w["erin"], watch=a_watch(w), active=False),
        "watch",
    ),
    WATCHING + "delete_watch": (
        lambda w: watching_services.delete_watch(actor=w["erin"], watch=a_watch(w)),
        "watch",
    ),
    WATCHING + "check_watch_now": (
        lambda w: watching_services.check_watch_now(actor=w["erin"], watch=a_watch(w)),
        "watch",
    ),
    WATCHING + "request_recapture": (
        lambda w: watching_services.request_recapture(
            actor=w["erin"], article=w["capture"].article
        ),
        "article",
    ),
    W + "create_webhook": (
        lambda w: webhook_services.create_webhook(
            user=w["erin"], url=PUBLIC_URL, events=["claim.published"]
        ),
        "webhook",
    ),
    W + "update_webhook": (
        lambda w: webhook_services.update_webhook(user=w["erin"], webhook=webhook(w), active=False),
        "webhook",
    ),
    W + "rotate_secret": (
        lambda w: webhook_services.rotate_secret(user=w["erin"], webhook=webhook(w)),
        "webhook",
    ),
    W + "delete_webhook": (
        lambda w: webhook_services.delete_webhook(user=w["erin"], webhook=webhook(w)),
        "webhook",
    ),
    W + "redeliver": (
        lambda w: webhook_services.redeliver(
            user=w["erin"],
            delivery=Delivery.objects.create(
                webhook=webhook(w),
                event="claim.published",
                claim_id=w["claim"].pk,
                at=w["claim"].created_at,
            ),
        ),
        "webhook",
    ),
}


def test_every_write_function_has_a_journal_scenario():
    assert write_functions() == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_write_function_records_a_journal_entry(world, name):
    write, kind = SCENARIOS[name]
    last = Entry.objects.order_by("-id").values_list("id", flat=True).first()
    write(world)
    recorded = Entry.objects.filter(id__gt=last, kind=kind)
    assert recorded.exists(), f"{name} wrote no {kind} entry"


def test_reanchoring_records_the_system_actor_and_the_moves(world):
    archive_services.add_capture(
        actor=world["alice"],
        article=world["capture"].article,
        capture=CapturePayload(text="Avant. " + world["capture"].text, origin="file"),
    )
    entry = Entry.objects.get(kind="appearance", action="re-anchored")
    assert entry.actor_name == REANCHORING.name and entry.actor is None
    assert {c["field"] for c in entry.changes} >= {"capture", "start", "end"}


def test_an_edit_records_changes_in_the_api_types_with_actor_and_request_id(world, as_user):
    annotation = world["annotation"]
    response = as_user(world["alice"]).patch(
        f"/api/annotations/{annotation.pk}/",
        {"confidence": 0.7, "tags": [], "version": annotation.version},
        format="json",
        HTTP_X_REQUEST_ID="sync-42",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "sync-42"
    entry = Entry.objects.about("annotation", annotation.pk).last()
    assert (entry.action, entry.actor, entry.actor_name) == (
        "edited",
        world["alice"],
        "alice_journalist",
    )
    assert entry.request_id == "sync-42"
    assert entry.version == 2
    assert entry.changes == [
        {"field": "confidence", "from": 0.6, "to": 0.7},
        {"field": "tags", "from": ["disputed"], "to": []},
    ]


def test_a_request_without_an_id_gets_one(client):
    assert len(client.get("/")["X-Request-ID"]) == 32
    assert client.get("/", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"
