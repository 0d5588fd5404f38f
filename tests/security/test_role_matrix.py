"""Every role against every write path — the API, the web pages and the admin — in one table:
the status each gets, that an allowed write changes the database and that a refused one
changes nothing."""

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import URLPattern, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import APIToken
from annotations import services
from annotations.models import (
    Annotation,
    AppearanceAnchor,
    Assignment,
    CaptureAnalysis,
    Tag,
    TagPattern,
)
from archive.models import ImportJob, Source
from journal.models import Entry
from notifications.models import Notification
from tests.factories import CLAIM_SENTENCE, ClaimFactory
from watching.models import Watch
from webhooks.models import Delivery, Webhook

pytestmark = pytest.mark.django_db

# A literal public address: the webhook guard vets it without a DNS look-up.
WEBHOOK_URL = "https://93.184.215.14/hooks/claimdesk"

PERSONAS = ["anon", "read_only_token", "rita_reader", "alice", "bob", "erin", "adam"]
# Alice: the journalist whose work the world holds; Bob: another journalist; Rita: logged in
# with no role; Erin: an editor; Adam: an admin; the read-only token is Erin's.

SNAPSHOT_APPS = {
    "archive",
    "annotations",
    "accounts",
    "auth",
    "journal",
    "notifications",
    "watching",
    "webhooks",
}


@pytest.fixture
def matrix_world(world):
    """The shared world, plus Alice's API token, a recorded anchoring, the capture's
    analysis and a failed import (for the admin), Bob's assignment to the public claim (to
    withdraw), a tag pattern, and an unread notification for each person."""
    alice = world["users"]["alice"]
    token, _ = APIToken.issue(user=alice, name="alice's script")
    appearance = world["claim"].appearances.get()
    anchor = AppearanceAnchor.objects.create(
        appearance=appearance,
        capture=appearance.capture,
        start=appearance.start,
        end=appearance.end,
        quote=appearance.quote,
        method="selection",
        score=1,
        status="anchored",
    )
    assignment = Assignment.objects.create(
        claim=world["other_claim"],
        assignee=world["users"]["bob"],
        assigned_by=world["users"]["erin"],
        blind=False,
    )
    analysis = CaptureAnalysis.objects.create(
        capture=world["capture"], language="fr", foreign_spans=[], method="test"
    )
    pattern = TagPattern.objects.create(
        tag=Tag.objects.get(slug="disputed"), language="fr", phrase="démenti"
    )
    # Alice's annotation in two versions, made through the services (which journal the
    # content a revert restores), and Carol's published annotation, to retract.
    revertible = services.create_annotation(
        user=alice, claim=ClaimFactory(created_by=alice, text="Third claim"), confidence="0.4"
    )
    services.update_annotation(
        user=alice, annotation=revertible, confidence="0.55", expected_version=1
    )
    published = Annotation.objects.get(author__username="carol_journalist")
    # Erin's webhook (an editor's, made with her login) and one of its deliveries.
    webhook = Webhook.objects.create(
        owner=world["users"]["erin"], url=WEBHOOK_URL, events=["claim.published"]
    )
    delivery = Delivery.objects.create(
        webhook=webhook,
        event="claim.published",
        claim_id=world["claim"].pk,
        at=world["claim"].created_at,
        status="failed",
    )
    job = ImportJob.objects.create(
        created_by=alice,
        created_by_name=alice.username,
        inputs=[{"url": "https://example.org/a", "name": "https://example.org/a"}],
        status="failed",
        error="Stopped: used more than 512 MB (CLAIMDESK_JOB_MAX_MEMORY_MB).",
    )
    watch = Watch.objects.create(url="https://example.org/feed.xml", kind="feed")
    entry = Entry.objects.order_by("pk").first()
    notifications = {
        name: Notification.objects.create(
            recipient=user, kind="published", at=entry.at, entry=entry, claim=world["claim"]
        )
        for name, user in world["users"].items()
    }
    return {
        **world,
        "watch": watch,
        "notification": notifications["alice"],
        "import": job,
        "published": published,
        "revertible": revertible,
        "token": token,
        "anchor": anchor,
        "assignment": assignment,
        "analysis": analysis,
        "pattern": pattern,
        "webhook": webhook,
        "delivery": delivery,
    }


def client_as(persona: str, world) -> APIClient:
    """A client for the persona: a session for users, a token header for the read-only
    token (which the web pages and the admin do not accept)."""
    client = APIClient()
    if persona == "read_only_token":
        _, key = APIToken.issue(user=world["users"]["erin"], name="reader", read_only=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    elif persona != "anon":
        client.force_login(world["users"][persona])
    return client


def snapshot() -> dict:
    """Every row of the product's tables (m2m tables included), but for when a token was
    last used: authenticating with it is not a write."""
    return {
        model._meta.label: [
            {k: v for k, v in row.items() if k != "last_used_at"}
            for row in model._base_manager.order_by("pk").values()
        ]
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SNAPSHOT_APPS
    }


# The writes: name -> (method, url, body) against the world.


def api_writes(world) -> dict:
    claim, draft, capture = world["claim"], world["draft"], world["capture"]
    submitted = world["submitted"]
    start = capture.text.index(CLAIM_SENTENCE)
    span = {"capture": capture.pk, "start": start, "end": start + len(CLAIM_SENTENCE)}
    return {
        "create claim": (
            "post",
            "/api/claims/",
            {**span, "start": 0, "end": 9, "quote": "Cependant", "text": "Cependant."},
        ),
        "edit claim": ("patch", f"/api/claims/{claim.pk}/", {"claimant": "Bishkek"}),
        "delete claim": ("delete", f"/api/claims/{claim.pk}/", None),
        "add appearance": (
            "post",
            "/api/appearances/",
            {**span, "claim": world["other_claim"].pk, "quote": CLAIM_SENTENCE},
        ),
        "annotate": (
            "post",
            "/api/annotations/",
            {"claim": world["other_claim"].pk, "confidence": 0.5, "tags": ["disputed"]},
        ),
        "edit annotation": (
            "patch",
            f"/api/annotations/{draft.pk}/",
            {"confidence": 0.3, "version": draft.version},
        ),
        "submit annotation": (
            "post",
            f"/api/annotations/{draft.pk}/submit/",
            {"version": draft.version},
        ),
        "delete annotation": (
            "delete",
            f"/api/annotations/{draft.pk}/",
            {"version": draft.version},
        ),
        "publish annotation": (
            "post",
            f"/api/annotations/{submitted.pk}/publish/",
            {"version": submitted.version},
        ),
        "return annotation": (
            "post",
            f"/api/annotations/{submitted.pk}/return/",
            {"comment": "Cite the ministry's statement.", "version": submitted.version},
        ),
        "add evidence": (
            "post",
            "/api/evidence/",
            {"annotation": draft.pk, "stance": "supports", "url": "https://example.org/a"},
        ),
        "remove evidence": ("delete", f"/api/evidence/{world['evidence'].pk}/", None),
        "create tag": ("post", "/api/tags/", {"slug": "satire", "label": "Satire"}),
        "edit tag": ("patch", "/api/tags/disputed/", {"description": "Contested."}),
        "delete tag": ("delete", "/api/tags/disputed/", None),
        "create source": ("post", "/api/sources/", {"slug": "kloop", "name": "Kloop"}),
        "edit source": ("patch", "/api/sources/empty-outlet/", {"country": "kg"}),
        "delete source": ("delete", "/api/sources/empty-outlet/", None),
        "archive article": (
            "post",
            "/api/articles/",
            {"title": "Pasted", "text": "Some text.", "language": "fr"},
        ),
        "archive capture": (
            "post",
            f"/api/articles/{capture.article_id}/captures/",
            {"text": capture.text + "\n\nUpdate: Bishkek gave no reason."},
        ),
        "retract annotation": (
            "post",
            f"/api/annotations/{world['published'].pk}/retract/",
            {"reason": "The figures were wrong.", "version": world["published"].version},
        ),
        "revert annotation": (
            "post",
            f"/api/annotations/{world['revertible'].pk}/revert/",
            {"version": 1, "expected_version": world["revertible"].version},
        ),
        "add tag pattern": (
            "post",
            "/api/tags/disputed/patterns/",
            {"language": "fr", "phrase": "contesté"},
        ),
        "remove tag pattern": (
            "delete",
            f"/api/tags/disputed/patterns/{world['pattern'].pk}/",
            None,
        ),
        "create token": ("post", "/api/tokens/", {"name": "nightly export"}),
        "import articles": ("post", "/api/imports/", {"urls": ["https://example.org/story"]}),
        "revoke token": ("delete", f"/api/tokens/{world['token'].pk}/", None),
        "create watch": (
            "post",
            "/api/watches/",
            {"url": "https://example.org/other.xml", "kind": "feed", "interval_seconds": 900},
        ),
        "edit watch": ("patch", f"/api/watches/{world['watch'].pk}/", {"active": False}),
        "delete watch": ("delete", f"/api/watches/{world['watch'].pk}/", None),
        "check watch": ("post", f"/api/watches/{world['watch'].pk}/check/", None),
        "recapture article": ("post", f"/api/articles/{capture.article_id}/recapture/", None),
        "create webhook": (
            "post",
            "/api/webhooks/",
            {"url": WEBHOOK_URL, "events": ["claim.published", "claim.withdrawn"]},
        ),
        "edit webhook": ("patch", f"/api/webhooks/{world['webhook'].pk}/", {"active": False}),
        "delete webhook": ("delete", f"/api/webhooks/{world['webhook'].pk}/", None),
        "rotate webhook secret": (
            "post",
            f"/api/webhooks/{world['webhook'].pk}/rotate-secret/",
            None,
        ),
        "redeliver": (
            "post",
            f"/api/webhooks/{world['webhook'].pk}/deliveries/{world['delivery'].uuid}/redeliver/",
            None,
        ),
        "read notification": (
            "post",
            f"/api/notifications/{world['notification'].pk}/read/",
            None,
        ),
        "read all notifications": ("post", "/api/notifications/read/", None),
        "set notification preferences": (
            "patch",
            "/api/notifications/preferences/",
            {"email": "never"},
        ),
    }


# The API paths each write above exercises, so that a new write endpoint fails the
# completeness test until it has its row.
API_PATHS = {
    "create claim": "POST /api/claims/",
    "edit claim": "PATCH /api/claims/{id}/",
    "delete claim": "DELETE /api/claims/{id}/",
    "add appearance": "POST /api/appearances/",
    "annotate": "POST /api/annotations/",
    "edit annotation": "PATCH /api/annotations/{id}/",
    "submit annotation": "POST /api/annotations/{id}/submit/",
    "delete annotation": "DELETE /api/annotations/{id}/",
    "publish annotation": "POST /api/annotations/{id}/publish/",
    "return annotation": "POST /api/annotations/{id}/return/",
    "add evidence": "POST /api/evidence/",
    "remove evidence": "DELETE /api/evidence/{id}/",
    "create tag": "POST /api/tags/",
    "edit tag": "PATCH /api/tags/{slug}/",
    "delete tag": "DELETE /api/tags/{slug}/",
    "create source": "POST /api/sources/",
    "edit source": "PATCH /api/sources/{slug}/",
    "delete source": "DELETE /api/sources/{slug}/",
    "archive article": "POST /api/articles/",
    "archive capture": "POST /api/articles/{id}/captures/",
    "retract annotation": "POST /api/annotations/{id}/retract/",
    "revert annotation": "POST /api/annotations/{id}/revert/",
    "add tag pattern": "POST /api/tags/{slug}/patterns/",
    "remove tag pattern": "DELETE /api/tags/{slug}/patterns/{pattern_id}/",
    "create token": "POST /api/tokens/",
    "import articles": "POST /api/imports/",
    "revoke token": "DELETE /api/tokens/{id}/",
    "create watch": "POST /api/watches/",
    "edit watch": "PATCH /api/watches/{id}/",
    "delete watch": "DELETE /api/watches/{id}/",
    "check watch": "POST /api/watches/{id}/check/",
    "recapture article": "POST /api/articles/{id}/recapture/",
    "create webhook": "POST /api/webhooks/",
    "edit webhook": "PATCH /api/webhooks/{id}/",
    "delete webhook": "DELETE /api/webhooks/{id}/",
    "rotate webhook secret": "POST /api/webhooks/{id}/rotate-secret/",
    "redeliver": "POST /api/webhooks/{id}/deliveries/{delivery_id}/redeliver/",
    "read notification": "POST /api/notifications/{id}/read/",
    "read all notifications": "POST /api/notifications/read/",
    "set notification preferences": "PATCH /api/notifications/preferences/",
}


def web_writes(world) -> dict:
    draft, capture = world["draft"], world["capture"]
    start = capture.text.index(CLAIM_SENTENCE)
    api = api_writes(world)
    # The review actions post the same fields to the same paths, without /api.
    review = {
        f"web: {name}": ("post", api[name][1].removeprefix("/api"), api[name][2])
        for name in ("submit annotation", "publish annotation", "return annotation")
    }
    return {
        **review,
        "web: mark claim": (
            "post",
            f"/articles/{capture.article_id}/mark/",
            {
                "capture": capture.pk,
                "start": start,
                "end": start + len(CLAIM_SENTENCE),
                "quote": CLAIM_SENTENCE,
                "claim": "new",
                "text": "Bishkek gave no reason.",
                "language": "fr",
            },
        ),
        "web: annotate": (
            "post",
            f"/claims/{world['other_claim'].pk}/annotate/",
            {"tags": ["disputed"], "confidence": 50, "evidence-stance": "supports"},
        ),
        "web: edit annotation": (
            "post",
            f"/annotations/{draft.pk}/edit/",
            {"confidence": 30, "version": draft.version, "evidence-stance": "supports"},
        ),
        "web: add evidence": (
            "post",
            f"/annotations/{draft.pk}/evidence/",
            {"url": "https://example.org/b", "stance": "contradicts"},
        ),
        "web: add article": (
            "post",
            "/articles/add/",
            {"title": "Pasted", "text": "Some pasted text.", "language": "fr"},
        ),
        "web: assign": (
            "post",
            "/assignments/",
            {
                "claims": [world["other_claim"].pk],
                "assignees": [world["users"]["alice"].pk],
                "blind": "on",
            },
        ),
        "web: withdraw assignment": (
            "post",
            f"/assignments/{world['assignment'].pk}/withdraw/",
            {},
        ),
        "web: retract annotation": (
            "post",
            f"/annotations/{world['published'].pk}/retract/",
            {"reason": "The figures were wrong.", "version": world["published"].version},
        ),
        "web: revert annotation": (
            "post",
            f"/annotations/{world['revertible'].pk}/revert/",
            {"to_version": 1, "version": world["revertible"].version},
        ),
        "web: tag capture": (
            "post",
            f"/articles/{capture.article_id}/tag-capture/",
            {"capture": capture.pk, "tag": "spun-or-garbled-text"},
        ),
        "web: add tag pattern": (
            "post",
            "/tags/disputed/patterns/",
            {"language": "fr", "phrase": "contesté"},
        ),
        "web: remove tag pattern": (
            "post",
            f"/tags/disputed/patterns/{world['pattern'].pk}/remove/",
            {},
        ),
        "web: translate tag": (
            "post",
            "/tags/disputed/translations/",
            {"label_fr": "Contesté", "description_fr": ""},
        ),
        "web: add watch": (
            "post",
            "/watches/",
            {"url": "https://example.org/other.xml", "kind": "feed", "interval_seconds": 3600},
        ),
        "web: pause watch": ("post", f"/watches/{world['watch'].pk}/active/", {"active": "false"}),
        "web: check watch": ("post", f"/watches/{world['watch'].pk}/check/", {}),
        "web: delete watch": ("post", f"/watches/{world['watch'].pk}/delete/", {}),
        "web: recapture article": ("post", f"/articles/{capture.article_id}/recapture/", {}),
        "web: read notification": ("post", f"/inbox/{world['notification'].pk}/read/", {}),
        "web: read all notifications": ("post", "/inbox/read/", {}),
    }


# The pages that only read (a POST to them changes nothing, and is not in the table).
READ_ONLY_PAGES = {
    "annotations:home",
    "annotations:article-list",
    "annotations:reader",
    "annotations:capture-history",
    "annotations:claim-list",
    "annotations:claim-detail",
    "annotations:review-queue",
    "annotations:agreement",
    "annotations:tag-list",
    "annotations:inbox",
    "annotations:claims-feed",
    "annotations:corrections",
    "annotations:corrections-feed",
    "archive:capture-warc",
    "archive:import-list",
    "archive:import-detail",
}
WEB_PAGES = {
    "web: mark claim": "annotations:mark-claim",
    "web: annotate": "annotations:annotate",
    "web: edit annotation": "annotations:annotation-edit",
    "web: add evidence": "annotations:evidence-add",
    "web: submit annotation": "annotations:annotation-submit",
    "web: publish annotation": "annotations:annotation-publish",
    "web: return annotation": "annotations:annotation-return",
    "web: add article": "archive:article-add",
    "web: assign": "annotations:assign",
    "web: withdraw assignment": "annotations:unassign",
    "web: tag capture": "annotations:tag-capture",
    "web: retract annotation": "annotations:annotation-retract",
    "web: revert annotation": "annotations:annotation-revert",
    "web: add tag pattern": "annotations:tag-pattern-add",
    "web: remove tag pattern": "annotations:tag-pattern-remove",
    "web: translate tag": "annotations:tag-translations",
    "web: add watch": "annotations:watch-list",
    "web: pause watch": "annotations:watch-active",
    "web: check watch": "annotations:watch-check",
    "web: delete watch": "annotations:watch-delete",
    "web: recapture article": "annotations:article-recapture",
    "web: read notification": "annotations:inbox-read",
    "web: read all notifications": "annotations:inbox-read-all",
}


def admin_objects(world) -> dict:
    """One row of each model the admin registers, to change and delete."""
    return {
        "auth.Group": Group.objects.get(name="journalists"),
        "auth.User": world["users"]["rita_reader"],
        "accounts.APIToken": world["token"],
        "archive.Source": Source.objects.get(slug="empty-outlet"),
        "archive.Article": world["capture"].article,
        "archive.Capture": world["capture"],
        "archive.ImportJob": world["import"],
        "annotations.Tag": Tag.objects.get(slug="disputed"),
        "annotations.Claim": world["claim"],
        "annotations.Annotation": world["draft"],
        "annotations.AppearanceAnchor": world["anchor"],
        "annotations.CaptureAnalysis": world["analysis"],
        "annotations.TagPattern": world["pattern"],
        "journal.Entry": Entry.objects.order_by("pk").first(),
    }


# A valid add (and change) form for the models whose admin page has no inline lists; the
# others are posted empty, which the admin answers with the form's errors, changing nothing.
ADMIN_FORMS = {
    "auth.Group": {"name": "fact-checkers"},
    "annotations.Tag": {"slug": "satire", "label": "Satire", "description": "", "category": ""},
    "annotations.TagPattern": lambda world: {
        "tag": world["pattern"].tag_id,
        "language": "fr",
        "phrase": "contesté",
    },
    "archive.Source": {
        "name": "Kloop",
        "slug": "kloop",
        "domains": '["kloop.kg"]',
        "country": "KG",
        "language": "ky",
        "notes": "",
    },
}


ADMIN_MODELS = sorted(model._meta.label for model in admin.site._registry)

# Who may do what. What is allowed answers its status and changes the database.
EVERY_ROLE = {"alice": 201, "bob": 201, "erin": 201, "adam": 201}
ALLOWED = {
    "create claim": EVERY_ROLE,
    "edit claim": {"alice": 200, "erin": 200, "adam": 200},
    "delete claim": {"alice": 204, "erin": 204, "adam": 204},
    "add appearance": EVERY_ROLE,
    "annotate": {"bob": 201, "erin": 201, "adam": 201},
    "edit annotation": {"alice": 200, "adam": 200},
    "submit annotation": {"alice": 200, "adam": 200},
    "delete annotation": {"alice": 204, "adam": 204},
    "publish annotation": {"erin": 200, "adam": 200},
    "return annotation": {"erin": 200, "adam": 200},
    "add evidence": {"alice": 201, "adam": 201},
    "remove evidence": {"alice": 204, "adam": 204},
    "create tag": {"erin": 201, "adam": 201},
    "edit tag": {"erin": 200, "adam": 200},
    "delete tag": {"erin": 204, "adam": 204},
    "create source": {"adam": 201},
    "edit source": {"adam": 200},
    "delete source": {"adam": 204},
    "archive article": EVERY_ROLE,
    # Queued (the test's transaction never commits, so no worker is told).
    "import articles": dict.fromkeys(["alice", "bob", "erin", "adam"], 202),
    # Pasted replacement text for an archived article: an editor's act.
    "archive capture": {"erin": 201, "adam": 201},
    # Any logged-in user manages their own tokens.
    "retract annotation": {"erin": 200, "adam": 200},
    "revert annotation": {"alice": 200, "adam": 200},
    "add tag pattern": {"erin": 201, "adam": 201},
    "remove tag pattern": {"erin": 204, "adam": 204},
    "create token": {**EVERY_ROLE, "rita_reader": 201},
    "revoke token": {"alice": 204},
    # Watches and re-captures on demand are editors' acts.
    "create watch": {"erin": 201, "adam": 201},
    "edit watch": {"erin": 200, "adam": 200},
    "delete watch": {"erin": 204, "adam": 204},
    "check watch": {"erin": 202, "adam": 202},
    "recapture article": {"erin": 202, "adam": 202},
    **{
        f"web: {name}": dict.fromkeys(["erin", "adam"], 302)
        for name in (
            "add watch",
            "pause watch",
            "check watch",
            "delete watch",
            "recapture article",
        )
    },
    # Editors and read-only (partner) tokens have webhooks; each manages only its own.
    "create webhook": {"erin": 201, "adam": 201, "read_only_token": 201},
    "edit webhook": {"erin": 200},
    "delete webhook": {"erin": 204},
    "rotate webhook secret": {"erin": 200},
    # Queued (the test's transaction never commits, so no worker is told).
    "redeliver": {"erin": 202},
    # Each person reads their own notifications and chooses how they are mailed (an API
    # token that may write too: the read-only one is refused).
    "read notification": {"alice": 200},
    "read all notifications": {**dict.fromkeys(EVERY_ROLE, 200), "rita_reader": 200},
    "set notification preferences": {**dict.fromkeys(EVERY_ROLE, 200), "rita_reader": 200},
    # The pages answer a write with a redirect to what it made.
    "web: mark claim": dict.fromkeys(["alice", "bob", "erin", "adam"], 302),
    "web: annotate": dict.fromkeys(["bob", "erin", "adam"], 302),
    "web: edit annotation": dict.fromkeys(["alice", "adam"], 302),
    "web: add evidence": dict.fromkeys(["alice", "adam"], 302),
    "web: submit annotation": dict.fromkeys(["alice", "adam"], 302),
    "web: publish annotation": dict.fromkeys(["erin", "adam"], 302),
    "web: return annotation": dict.fromkeys(["erin", "adam"], 302),
    "web: add article": dict.fromkeys(["alice", "bob", "erin", "adam"], 302),
    "web: assign": dict.fromkeys(["erin", "adam"], 302),
    "web: retract annotation": dict.fromkeys(["erin", "adam"], 302),
    "web: revert annotation": dict.fromkeys(["alice", "adam"], 302),
    "web: withdraw assignment": dict.fromkeys(["erin", "adam"], 302),
    "web: add tag pattern": dict.fromkeys(["erin", "adam"], 302),
    "web: remove tag pattern": dict.fromkeys(["erin", "adam"], 302),
    "web: translate tag": dict.fromkeys(["erin", "adam"], 302),
    "web: read notification": {"alice": 302},
    "web: read all notifications": dict.fromkeys(
        ["alice", "bob", "erin", "adam", "rita_reader"], 302
    ),
    # The admin deletes only what has a delete service (a claim softly, though it has
    # anchorings, which are read-only); Django's own models are the admin's.
    **{
        f"admin: {action} {label}": {"adam": 302}
        for action in ("add", "change")
        for label in ADMIN_FORMS
    },
    "admin: delete accounts.APIToken": {"adam": 302},
    "admin: delete annotations.Annotation": {"adam": 302},
    "admin: delete annotations.Claim": {"adam": 302},
    "admin: delete annotations.Tag": {"adam": 302},
    "admin: delete annotations.TagPattern": {"adam": 302},
    "admin: delete archive.Source": {"adam": 302},
    "admin: delete auth.Group": {"adam": 302},
    "admin: delete auth.User": {"adam": 302},
}
# Refusals other than the layer's usual one (below). What a user may not see is a 404 —
# Bob and Rita cannot see Alice's draft — or, named in a body, a 400.
HIDDEN = {"bob": 404, "rita_reader": 404}
REFUSED = {
    "edit claim": HIDDEN,
    "delete claim": HIDDEN,
    "annotate": {"alice": 400},  # she has annotated that claim already
    "edit annotation": HIDDEN,
    "submit annotation": HIDDEN,
    "delete annotation": HIDDEN,
    "publish annotation": HIDDEN,
    "return annotation": HIDDEN,
    "add evidence": {"bob": 400, "rita_reader": 400},
    "remove evidence": HIDDEN,
    "revoke token": {"rita_reader": 404, "bob": 404, "erin": 404, "adam": 404},
    # Erin's webhook is not her read-only token's, nor Adam's.
    **{
        name: {"read_only_token": 404, "adam": 404}
        for name in ("edit webhook", "delete webhook", "rotate webhook secret", "redeliver")
    },
    # Someone else's notification is not found.
    "read notification": {"rita_reader": 404, "bob": 404, "erin": 404, "adam": 404},
    "web: read notification": {"rita_reader": 404, "bob": 404, "erin": 404, "adam": 404},
    "web: annotate": {"alice": 302},  # to her own annotation of it
    "web: edit annotation": HIDDEN,
    "web: add evidence": HIDDEN,
    "web: submit annotation": HIDDEN,
    "web: publish annotation": HIDDEN,
    "web: return annotation": HIDDEN,
    "web: revert annotation": HIDDEN,
    "revert annotation": HIDDEN,
    # The world's capture suggests no capture-level tag: those who may tag are sent back to
    # the reader with a message (the tagging itself: tests/annotations/test_suggestion_writes).
    "web: tag capture": dict.fromkeys(["alice", "bob", "erin", "adam"], 302),
    # An empty add or change form comes back with its errors; read-only models refuse.
    **{
        f"admin: {action} {label}": {"adam": 200}
        for action in ("add", "change")
        for label in ADMIN_MODELS
        if label not in ADMIN_FORMS
        and label
        not in {
            "accounts.APIToken",
            "annotations.AppearanceAnchor",
            "annotations.CaptureAnalysis",
            "archive.Capture",
            "archive.ImportJob",
            "journal.Entry",
        }
    },
}


def refusal(name: str, persona: str) -> int:
    """The usual refusal: the API answers 401 without credentials and 403 without the
    right; the pages send anonymous visitors to log in (a token is not a login there) and
    answer 403; the admin sends everyone but admins to its login and answers them 403."""
    if name.startswith("admin"):
        return 403 if persona == "adam" else 302
    if name.startswith("web"):
        return 302 if persona in ("anon", "read_only_token") else 403
    return 401 if persona == "anon" else 403


def expected(name: str, persona: str) -> tuple[int, bool]:
    """(status, whether the database changes)."""
    if persona in ALLOWED.get(name, {}):
        return ALLOWED[name][persona], True
    return REFUSED.get(name, {}).get(persona, refusal(name, persona)), False


def admin_writes(world) -> dict:
    """Add, change and delete of each registered model, as the admin's forms post them."""
    writes = {}
    for label, obj in admin_objects(world).items():
        app_label, model_name = label.split(".")
        base = f"/admin/{app_label}/{model_name.lower()}/"
        form = ADMIN_FORMS.get(label, {})
        if callable(form):
            form = form(world)
        writes[f"admin: add {label}"] = ("post", f"{base}add/", form)
        writes[f"admin: change {label}"] = ("post", f"{base}{obj.pk}/change/", form)
        writes[f"admin: delete {label}"] = ("post", f"{base}{obj.pk}/delete/", {"post": "yes"})
    return writes


def all_writes(world) -> dict:
    return {**api_writes(world), **web_writes(world), **admin_writes(world)}


ADMIN_WRITE_NAMES = [
    f"admin: {action} {label}" for label in ADMIN_MODELS for action in ("add", "change", "delete")
]
WRITE_NAMES = [*API_PATHS, *WEB_PAGES, *ADMIN_WRITE_NAMES]


def test_the_table_covers_every_write_path_of_the_api():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    writes = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    }
    assert writes == set(API_PATHS.values())


def test_the_table_covers_every_page_of_the_app():
    names = {
        f"{namespace}:{pattern.name}"
        for namespace in ("annotations", "archive")
        for pattern in get_resolver().namespace_dict[namespace][1].url_patterns
        if isinstance(pattern, URLPattern)
    }
    assert names == READ_ONLY_PAGES | set(WEB_PAGES.values())


def test_the_table_covers_every_model_in_the_admin():
    assert set(ADMIN_MODELS) == {name.split()[-1] for name in ADMIN_WRITE_NAMES}


def test_the_table_names_only_the_writes_above(matrix_world):
    assert set(api_writes(matrix_world)) == set(API_PATHS)
    assert set(all_writes(matrix_world)) == set(WRITE_NAMES)
    assert set(ALLOWED) | set(REFUSED) <= set(WRITE_NAMES)


def observed(world, name: str, client: APIClient):
    """The client's response to the write, and every row after it."""
    method, url, body = all_writes(world)[name]
    # The pages take forms; the API, JSON.
    form = "multipart" if name.startswith(("web", "admin")) else "json"
    response = getattr(client, method)(url, body, format=form)
    return response, snapshot()


@contextmanager
def rolled_back():
    """Whatever happens inside is undone, so that each persona meets the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", WRITE_NAMES)
def test_each_role_against_each_write(matrix_world, name, subtests):
    """The world is built once per write and every persona signed in before it is read;
    each persona's attempt runs in a savepoint rolled back after it, reported on its own."""
    clients = {persona: client_as(persona, matrix_world) for persona in PERSONAS}
    before = snapshot()
    for persona, client in clients.items():
        with subtests.test(persona=persona), rolled_back():
            check(matrix_world, name, persona, client, before)


def check(world, name: str, persona: str, client: APIClient, before: dict) -> None:
    status, changes = expected(name, persona)

    response, after = observed(world, name, client)

    assert response.status_code == status, response.content[:500]
    if changes:
        assert after != before
        return
    assert after == before, "a refused write changed the database"
    if response.status_code == 302:
        login = "/admin/login/" if name.startswith("admin") else "/accounts/login/"
        # Else a page that answers with a redirect elsewhere, named in REFUSED above.
        sent_back = {"web: annotate", "web: tag capture"}
        assert response["Location"].startswith(login) or name in sent_back
    elif not name.startswith(("web", "admin")):
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]
