"""A trigram index on claims' wording, so that marking's "similar claims" stays fast on a
large archive (PostgreSQL's pg_trgm; nothing on other databases, where `similar_to` does
without it)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "annotations_claim_text_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON annotations_claim USING gin (text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0006_capture_analysis_and_tag_patterns")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
