"""The published read model: each claim's anonymous representation, stored ready-made.
Existing databases fill it with `python manage.py rebuild_published` after migrating."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0008_journal_replaces_revisions_and_retraction"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublishedClaim",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="publication",
                        serialize=False,
                        to="annotations.claim",
                    ),
                ),
                (
                    "document",
                    models.TextField(help_text="The claim as the API shows it to anyone (JSON)."),
                ),
            ],
        ),
    ]
