"""PostgreSQL full-text search for claims: accent-folding configurations per language, a
generated `search_vector` column and its GIN index. Nothing happens on other databases."""

from django.db import migrations

# As annotations.search had them when this migration was written.
STEMMED_LANGUAGES = {
    "fr": "french",
    "en": "english",
    "ru": "russian",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
}
CONFIGS = [*STEMMED_LANGUAGES.values(), "simple"]


def config_name(base: str) -> str:
    return f"claimdesk_{base}"


def language_config_sql() -> str:
    cases = " ".join(
        f"WHEN '{code}' THEN '{config_name(base)}'::regconfig"
        for code, base in STEMMED_LANGUAGES.items()
    )
    return (
        f"CASE lower(split_part(language, '-', 1)) {cases} "
        f"ELSE '{config_name('simple')}'::regconfig END"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for base in CONFIGS:
        name = config_name(base)
        dictionary = "simple" if base == "simple" else f"{base}_stem"
        execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
        execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base})")
        execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {dictionary}"
        )
    execute(
        "ALTER TABLE annotations_claim ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector({language_config_sql()}, "
        "coalesce(text, '') || ' ' || coalesce(claimant, ''))) STORED"
    )
    # Serves q= on claims (annotations.search).
    execute("CREATE INDEX annotations_claim_search ON annotations_claim USING gin (search_vector)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE annotations_claim DROP COLUMN IF EXISTS search_vector")
    for base in CONFIGS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {config_name(base)}")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
