"""PostgreSQL full-text search over quotes: a generated `search_vector` column on appearances
(accent-folding `simple` configuration) and its GIN index. Nothing happens on other databases."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE annotations_appearance ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('claimdesk_simple'::regconfig, quote)) STORED"
    )
    # Serves q= on claims through their quotes (annotations.search).
    schema_editor.execute(
        "CREATE INDEX annotations_appearance_search ON annotations_appearance "
        "USING gin (search_vector)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE annotations_appearance DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0003_appearance_anchor_history")]

    operations = [migrations.RunPython(forwards, backwards)]
