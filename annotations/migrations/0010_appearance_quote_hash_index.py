"""A hash index on appearances' quotes, so that marking's "similar claims" finds the claims
already quoting a passage verbatim (`Appearance.quote = …`) without a scan (PostgreSQL only;
a hash index takes quotes of any length, where a B-tree entry is capped near 2.7 kB)."""

from django.db import migrations

INDEX = "annotations_appearance_quote_hash"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON annotations_appearance USING hash (quote)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0009_published_claim")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
