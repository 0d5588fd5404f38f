"""Captures record who archived them and whether they replace an article's text; an article
may return to an earlier text (the dedup rule is "identical to the latest capture"), so the
(article, sha256) unique constraint goes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def seeds_made_seed_captures(apps, schema_editor):
    """The one earlier provenance that is certain: seed captures came from the seed loader."""
    Capture = apps.get_model("archive", "Capture")
    Capture.objects.filter(origin="seed").update(captured_by_name="seeds")


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0002_capture_redirects"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="capture",
            name="archive_capture_unique_text",
        ),
        migrations.RemoveConstraint(
            model_name="capture",
            name="archive_capture_origin_valid",
        ),
        migrations.AddField(
            model_name="capture",
            name="captured_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The person who archived it; empty for an import or the seeds.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="captures",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="capture",
            name="captured_by_name",
            field=models.CharField(
                blank=True,
                help_text="Username of the person, or name of the system actor (import, seeds), kept even if the account is removed; empty for captures stored before it was recorded.",
                max_length=150,
            ),
        ),
        migrations.AddField(
            model_name="capture",
            name="replacement",
            field=models.BooleanField(
                default=False,
                help_text="Pasted or uploaded text replacing the article's earlier text (an editor's act), rather than a fetch or an import of the article.",
            ),
        ),
        migrations.AlterField(
            model_name="capture",
            name="origin",
            field=models.CharField(
                choices=[
                    ("file", "file"),
                    ("url", "URL"),
                    ("warc", "WARC record"),
                    ("paste", "pasted text"),
                    ("upload", "uploaded file"),
                    ("seed", "seed"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="capture",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("origin__in", ["file", "url", "warc", "paste", "upload", "seed"])
                ),
                name="archive_capture_origin_valid",
            ),
        ),
        migrations.RunPython(seeds_made_seed_captures, migrations.RunPython.noop),
    ]
