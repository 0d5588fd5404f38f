"""The writes' floor makes the rows each write made: replayed on a claim of its own, the same
rows end up in every table."""

import random

import pytest
from django.db import connection

from annotations.models import Tag
from bench import load, runner, writes

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the floor is plain psycopg: PostgreSQL"
)

# What the rows of one claim's chain hold, ids aside.
CHAIN_ROWS = {
    "annotations_claim": "SELECT text, language, claimant, deleted_at IS NULL "
    "FROM annotations_claim WHERE id = %s",
    "annotations_appearance": 'SELECT capture_id, start, "end", quote, prefix, suffix '
    "FROM annotations_appearance WHERE claim_id = %s",
    "annotations_annotation": "SELECT author_id, status, version, confidence, rationale "
    "FROM annotations_annotation WHERE claim_id = %s",
    "annotations_annotation_tags": "SELECT t.tag_id FROM annotations_annotation_tags t "
    "JOIN annotations_annotation a ON a.id = t.annotation_id WHERE a.claim_id = %s "
    "ORDER BY t.tag_id",
    "journal_entry": "SELECT kind, action, version, actor_id, public, reason "
    "FROM journal_entry WHERE claim_id = %s ORDER BY id",
    "notifications_notification": "SELECT recipient_id, kind FROM notifications_notification "
    "WHERE claim_id = %s ORDER BY id",
    "annotations_publishedclaim": "SELECT length(document) "
    "FROM annotations_publishedclaim WHERE claim_id = %s",
}


def rows_of(claim_id: int) -> dict[str, list[tuple]]:
    found = {}
    with connection.cursor() as cursor:
        for table, sql in CHAIN_ROWS.items():
            cursor.execute(sql, [claim_id])
            found[table] = cursor.fetchall()
    return found


@pytest.mark.parametrize("through", [3, 4, 6])  # up to submit, publish, retract
def test_the_floor_leaves_the_same_rows_as_the_writes_it_replays(db, through):
    load.ensure_corpus(200, 1, log=lambda m: None)
    tags = list(Tag.objects.order_by("slug").values_list("slug", flat=True)[:3])
    with runner.connection_kept_open():
        [span] = writes._spans(random.Random(5), 1)
        chain = writes.Chain(runner.Client(), writes._people(), span, tags)
        differ = writes.RowChanges()
        replay = writes.Replay(differ.tables)
        for action in writes.ACTIONS[:through]:
            before = differ.snapshot(chain.claim_id)
            chain.write(action, count=False)
            replay.apply(differ.changes_since(before, chain.claim_id))
        floor_claim = replay.ids["annotations_claim"][chain.claim_id]

        assert floor_claim != chain.claim_id
        assert rows_of(floor_claim) == rows_of(chain.claim_id)
        assert rows_of(chain.claim_id)["journal_entry"]
