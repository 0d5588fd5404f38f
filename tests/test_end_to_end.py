"""Issue 23, item 7 — tested as it runs: a loopback news site whose feed and pages change, an
SMTP sink (aiosmtpd) and a webhook receiver, with two real `manage.py worker` processes on
PostgreSQL and nothing else running the work.

A feed is watched by two workers and each item archived once; a silent rewording of a
fact-checked sentence reaches the claim (`source_edits`), the change feed, the editor's inbox
and mailbox, and a signed webhook that failed once and was retried."""

import hashlib
import hmac
import json

import pytest

from annotations import services
from archive.models import Article
from tests.e2e import DATABASE_TASKS, E2E_DB, POSTGRESQL_ONLY, rss, story, wait_for
from tests.factories import CAPTURE_TEXT, CLAIM_SENTENCE, mark_sentence
from watching.models import WatchItem
from webhooks.models import Delivery

pytestmark = [pytest.mark.slow, POSTGRESQL_ONLY, E2E_DB]

REWORDED = CLAIM_SENTENCE.replace("n’a été rendue publique", "n’a été donnée")
SECOND_TEXT = "Moscou regrette la décision.\nLe ministère ne dit rien de plus."


def changes(client) -> list[dict]:
    """The whole change feed, from the beginning, as `client` reads it."""
    results, since = [], None
    while True:
        page = client.get("/api/changes/", {"since": since} if since else {}).json()
        results += page["results"]
        since = page["next_since"]
        if not page["has_more"]:
            return results


def signed(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_silent_rewording_reaches_claim_feed_inbox_mailbox_and_a_retried_webhook(
    settings, news, smtp_sink, receiver, workers, as_user, alice_journalist, erin_editor
):
    settings.TASKS = DATABASE_TASKS  # the workers send the test process's jobs too
    erin, alice = as_user(erin_editor), as_user(alice_journalist)
    first = news.serve("/a/1", story("Bichkek annule les exercices", CAPTURE_TEXT))
    news.serve("/feed.xml", rss([("urn:1", first, "Bichkek annule les exercices")]))
    # Mail to the sink; a failed delivery is tried again a second later.
    running = workers(
        2, name="e2e", smtp=smtp_sink, environment={"CLAIMDESK_WEBHOOK_RETRY_BASE": "1"}
    )

    # The editor: mailed at once, a watch on the feed, a webhook.
    answer = erin.patch("/api/notifications/preferences/", {"email": "immediately"}, format="json")
    assert answer.status_code == 200, answer.content
    answer = erin.post(
        "/api/watches/",
        {"url": news.url("/feed.xml"), "kind": "feed", "interval_seconds": 300},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    watch = answer.json()
    answer = erin.post(
        "/api/webhooks/",
        {"url": receiver.url, "events": ["claim.published", "claim.source_edited"]},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    hook = answer.json()

    # The workers archive the story; the feed gains a second one: each is archived once.
    article = wait_for(
        "the feed's first story, archived by the workers",
        lambda: Article.objects.filter(url=first).first(),
        timeout=60,
        workers=running,
    )
    second = news.serve("/a/2", story("Moscou regrette", SECOND_TEXT))
    news.serve(
        "/feed.xml",
        rss([("urn:2", second, "Moscou regrette"), ("urn:1", first, "Bichkek annule")]),
    )
    answer = erin.post(f"/api/watches/{watch['id']}/check/")
    assert answer.status_code == 202, answer.content
    wait_for(
        "the feed's second story, archived at the check on demand",
        lambda: Article.objects.filter(url=second).exists(),
        workers=running,
    )

    # A journalist marks a claim in the first story and annotates it; the editor publishes.
    claim = mark_sentence(alice_journalist, article.captures.get())
    annotation = services.create_annotation(
        user=alice_journalist, claim=claim, confidence=0.9, verdict="false", submit=True
    )
    services.publish_annotation(
        user=erin_editor, annotation=annotation, expected_version=annotation.version
    )
    wait_for(
        "the claim.published delivery",
        lambda: Delivery.objects.filter(
            webhook_id=hook["id"], event="claim.published", status="succeeded"
        ).exists(),
        workers=running,
    )

    # The site silently rewords the checked sentence; the receiver fails its next delivery.
    receiver.statuses = [500]
    news.serve(
        "/a/1",
        story("Bichkek annule les exercices", CAPTURE_TEXT.replace(CLAIM_SENTENCE, REWORDED)),
    )
    answer = erin.post(f"/api/articles/{article.pk}/recapture/")
    assert answer.status_code == 202, answer.content

    # The claim.
    edits = wait_for(
        "the rewording in the claim's source_edits (GET /api/claims/<id>/)",
        lambda: erin.get(f"/api/claims/{claim.pk}/").json()["source_edits"],
        timeout=60,  # a fetch, an extraction and the re-anchoring, on a shared machine
        workers=running,
    )
    assert [(e["change"], e["before"], e["after"]) for e in edits] == [
        ("reworded", CLAIM_SENTENCE, REWORDED)
    ]
    # The change feed: an upsert of the claim carrying the edit.
    upsert = wait_for(
        "an upsert of the claim carrying source_edits in /api/changes/",
        lambda: [
            c
            for c in changes(erin)
            if c["id"] == claim.pk and c["action"] == "upsert" and c["claim"]["source_edits"]
        ],
        workers=running,
    )
    assert upsert[-1]["claim"]["source_edits"] == edits
    # The inboxes: the editor who published, the journalist who annotated.
    for person, client in (("editor", erin), ("journalist", alice)):
        wait_for(
            f"a source-edited notification in the {person}'s inbox (GET /api/notifications/)",
            lambda client=client: [
                n
                for n in client.get("/api/notifications/").json()["results"]
                if n["kind"] == "source-edited" and n["claim"] == claim.pk
            ],
            workers=running,
        )
    # The editor's mailbox.
    (mailed,) = wait_for(
        "the editor's mail about the rewording, in the SMTP sink",
        lambda: [
            m for m in smtp_sink.received(erin_editor.email) if "was changed" in m.get_content()
        ],
        workers=running,
    )
    assert f"The sentence holding the claim “{claim.text}” was changed" in mailed.get_content()
    # The webhook: failed once, retried, signed.
    log = wait_for(
        "the claim.source_edited delivery, succeeded after a retry (the delivery log)",
        lambda: [
            d
            for d in erin.get(f"/api/webhooks/{hook['id']}/deliveries/").json()["results"]
            if d["event"] == "claim.source_edited" and d["status"] == "succeeded"
        ],
        timeout=45,
        workers=running,
    )
    running.stop()

    (delivery,) = log
    assert delivery["claim"] == claim.pk
    assert [(a["number"], a["status_code"]) for a in delivery["attempts"]] == [(1, 500), (2, 200)]
    sent = [r for r in receiver.received if r.headers["X-Claimdesk-Event"] == "claim.source_edited"]
    assert [r.status for r in sent] == [500, 200]
    assert {r.headers["X-Claimdesk-Delivery"] for r in sent} == {delivery["id"]}
    for request in sent:
        assert request.headers["X-Claimdesk-Signature"] == signed(request.body, hook["secret"])
    assert sent[0].body == sent[1].body  # a retry sends the same bytes
    body = json.loads(sent[1].body)
    assert body["event"] == "claim.source_edited"
    assert (body["claim"]["id"], body["claim"]["source_edits"]) == (claim.pk, edits)
    # Each item archived once: each story fetched once by the watch, the first once more by
    # the re-capture, which made its second capture.
    assert sorted(Article.objects.values_list("url", flat=True)) == sorted([first, second])
    assert sorted(WatchItem.objects.values_list("key", flat=True)) == ["urn:1", "urn:2"]
    assert (news.hits["/a/1"], news.hits["/a/2"]) == (2, 1)
    assert article.captures.count() == 2
    assert Article.objects.get(url=second).captures.count() == 1
    # Published once: one claim.published delivery, accepted once.
    published = [
        r for r in receiver.received if r.headers["X-Claimdesk-Event"] == "claim.published"
    ]
    assert [r.status for r in published] == [200]
