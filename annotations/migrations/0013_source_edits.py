"""Claims keep the silent edits of the sentences they were checked in (`source_edits`).

Re-anchoring has recorded every anchoring since 0003 (AppearanceAnchor: capture, quote,
status, the original first), so the edits of captures archived before this field existed are
derived from that record, as re-anchoring now appends them, each claim's journaled as
"source_edited" by the re-anchoring actor. Run `rebuild_published` after migrating (as for any
new field of the public claim) so the stored documents carry it."""

import itertools
import operator
from collections import defaultdict

from django.db import migrations, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from annotations.services.reanchoring import source_edits_from_anchorings

BATCH_SIZE = 1000


def derive_source_edits(apps, schema_editor):
    AppearanceAnchor = apps.get_model("annotations", "AppearanceAnchor")
    Annotation = apps.get_model("annotations", "Annotation")
    Claim = apps.get_model("annotations", "Claim")
    Entry = apps.get_model("journal", "Entry")
    rows = (
        AppearanceAnchor.objects.order_by("appearance_id", "pk")
        .values_list(
            "appearance_id",
            "appearance__claim_id",
            "capture_id",
            "capture__captured_at",
            "quote",
            "status",
        )
        .iterator(chunk_size=2000)
    )
    edits = defaultdict(list)
    for _, anchorings in itertools.groupby(rows, key=operator.itemgetter(0)):
        anchorings = list(anchorings)
        edits[anchorings[0][1]] += source_edits_from_anchorings(row[2:] for row in anchorings)
    claim_ids = sorted(pk for pk, found in edits.items() if found)
    now = timezone.now()
    postgresql = schema_editor.connection.vendor == "postgresql"
    for start in range(0, len(claim_ids), BATCH_SIZE):
        batch = claim_ids[start : start + BATCH_SIZE]
        public = set(
            Annotation.objects.filter(
                claim_id__in=batch, status="published", deleted_at__isnull=True
            ).values_list("claim_id", flat=True)
        )
        claims = list(Claim.objects.filter(pk__in=batch).order_by("pk").only("pk", "created_by_id"))
        entries = []
        for claim in claims:
            claim.source_edits = sorted(edits[claim.pk], key=operator.itemgetter("at", "capture"))
            claim.updated_at = now
            entries.append(
                Entry(
                    at=now,
                    kind="claim",
                    object_id=claim.pk,
                    claim_id=claim.pk,
                    action="source_edited",
                    actor=None,
                    actor_name="re-anchoring",
                    reason="derived from the recorded anchorings (migration 0013)",
                    changes=[{"field": "source_edits", "from": [], "to": claim.source_edits}],
                    public=claim.pk in public,
                    owner_id=claim.created_by_id,
                    xid=RawSQL("pg_current_xact_id()::text::bigint", ()) if postgresql else 0,
                )
            )
        Claim.objects.bulk_update(claims, ["source_edits", "updated_at"])
        Entry.objects.bulk_create(entries)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0012_tag_translations"),
        ("journal", "0001_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="source_edits",
            field=models.JSONField(
                blank=True,
                db_default=[],
                default=list,
                editable=False,
                help_text="Silent edits of the sentences the claim was checked in, oldest "
                'first: {"at", "capture", "change": "reworded" | "removed", "before", '
                '"after"}, written by re-anchoring.',
            ),
        ),
        migrations.RunPython(derive_source_edits, migrations.RunPython.noop, elidable=True),
    ]
