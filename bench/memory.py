"""The editorial memory's figures: a claim's history (50 events) and catching up on the
whole change feed of the corpus, each beside its floor. Everything is written inside a
transaction rolled back at the end, so the corpus stays as loaded."""

import statistics
import time

import orjson
from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from accounts.roles import EDITORS, JOURNALISTS
from annotations import services
from annotations.models import Annotation, Appearance
from journal.models import Entry

HISTORY_EVENTS = 50
FEED_PAGE = 1000


class _Rollback(Exception):
    pass


def measure(client, kept_open, rounds: int) -> dict:
    """history_p50_ms (GET a claim's history of HISTORY_EVENTS events, as an anonymous
    reader) beside the journal query alone, and changes_catchup_per_s (claims per second
    reading /api/changes/ from the beginning, FEED_PAGE per page; with the client's parsing of
    the pages: changes_catchup_parsed_per_s) beside the JSON Lines export of the same
    claims."""
    result: dict = {}
    try:
        with transaction.atomic(), kept_open():
            _journal_every_published_annotation()
            claim_id = _claim_with_history()
            result.update(_history(client, claim_id, rounds))
            result.update(_catch_up(client))
            raise _Rollback
    except _Rollback:
        pass
    return result


def _user(name: str, group: str) -> User:
    user, _ = User.objects.get_or_create(username=name)
    user.groups.add(Group.objects.get(name=group))
    return user


def _claim_with_history() -> int:
    """A published claim whose history holds HISTORY_EVENTS public events."""
    author = _user("bench-memory-journalist", JOURNALISTS)
    editor = _user("bench-memory-editor", EDITORS)
    admin, _ = User.objects.get_or_create(
        username="bench-memory-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    appearance = Appearance.objects.select_related("capture").order_by("pk").first()
    capture = appearance.capture
    appearance, _ = services.mark_claim(
        user=author,
        capture=capture,
        start=appearance.start,
        end=appearance.end,
        quote=appearance.quote,
    )
    annotation = services.create_annotation(
        user=author, claim=appearance.claim, confidence=0.5, submit=True
    )
    services.publish_annotation(
        user=editor, annotation=annotation, expected_version=annotation.version
    )
    for n in range(HISTORY_EVENTS - 1):
        services.update_annotation(
            user=admin,
            annotation=annotation,
            confidence=(n % 100) / 100,
            rationale=f"Revision {n} of the reasoning, with a few words changed each time.",
            reason="Benchmark revision.",
            expected_version=annotation.version,
        )
    return appearance.claim_id


def _journal_every_published_annotation() -> None:
    """The loaded corpus has no journal: give each published annotation its publication."""
    Entry.objects.bulk_create(
        Entry(
            at=row["published_at"],
            kind="annotation",
            object_id=row["id"],
            claim_id=row["claim_id"],
            action="published",
            version=row["version"],
            actor_name="seeds",
            public=True,
        )
        for row in Annotation.objects.published().values(
            "id", "claim_id", "published_at", "version"
        )
    )


def _history(client, claim_id: int, rounds: int) -> dict:
    path = f"/api/claims/{claim_id}/history/"
    samples, floor = [], []
    for _ in range(rounds + 1):
        began = time.perf_counter()
        status, body = client.get(path, "page_size=100")
        samples.append((time.perf_counter() - began) * 1000)
        assert status == 200, body[:300]
        began = time.perf_counter()
        list(Entry.objects.filter(claim_id=claim_id, public=True).order_by("id").values())
        floor.append((time.perf_counter() - began) * 1000)
    events = len(orjson.loads(body)["results"])
    return {
        "history_events": events,
        "history_p50_ms": round(statistics.median(samples[1:]), 2),
        "history_floor_p50_ms": round(statistics.median(floor[1:]), 2),
    }


def _catch_up(client) -> dict:
    """Read the feed from the beginning as a mirror does, page after page. Each page's
    request is timed as the export's stream is, to its last byte; parsing it (for the next
    cursor and the claims) is timed apart, as a client pays it for the export's lines too."""
    claims, since, pages = set(), "", 0
    fetching = parsing = 0.0
    while True:
        query = f"page_size={FEED_PAGE}" + (f"&since={since}" if since else "")
        began = time.perf_counter()
        status, body = client.get("/api/changes/", query)
        fetched = time.perf_counter()
        assert status == 200, body[:300]
        page = orjson.loads(body)
        claims.update(r["id"] for r in page["results"] if r["action"] == "upsert")
        fetching += fetched - began
        parsing += time.perf_counter() - fetched
        since, pages = page["next_since"], pages + 1
        if not page["has_more"]:
            break
    began = time.perf_counter()
    status, chunks = client.stream("/api/claims/export.jsonl")
    exported = sum(chunk.count(b"\n") for chunk in chunks)
    export_seconds = time.perf_counter() - began
    return {
        "changes_catchup_claims": len(claims),
        "changes_catchup_pages": pages,
        "changes_catchup_per_s": _per_second(len(claims), fetching),
        "changes_catchup_parsed_per_s": _per_second(len(claims), fetching + parsing),
        "changes_export_claims": exported,
        "changes_floor_export_per_s": _per_second(exported, export_seconds),
        "changes_database": connection.vendor,
    }


def _per_second(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds else None
