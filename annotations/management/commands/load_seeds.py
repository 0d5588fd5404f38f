"""Load the seed articles, the starting tag vocabulary (with its patterns) and the example
claims. Idempotent: running it again changes nothing, whatever happened to the seeded
articles since (new captures, claims moved or removed)."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.actors import SEED_ACCOUNT, SEEDS
from annotations import services
from annotations.models import Appearance, AppearanceAnchor, Tag, TagPattern
from archive.ingest.documents import CapturePayload, normalize_text, parse_text_document
from archive.models import Capture, text_sha256
from archive.services import archive_article


def system_user() -> User:
    """The account that owns seeded material: an admin no one can log in as."""
    user, created = User.objects.get_or_create(
        username=SEED_ACCOUNT,
        defaults={"is_staff": True, "first_name": "Claimdesk", "last_name": "seed"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def add_translations(owner: User, tag: Tag, item: dict) -> None:
    """Give a tag seeded before the vocabulary was translated the seed's translations for
    the languages it has none in (never replacing an editor's), through the tag service."""
    labels = item.get("labels", {}) | tag.labels
    descriptions = item.get("descriptions", {}) | tag.descriptions
    if (labels, descriptions) == (tag.labels, tag.descriptions):
        return
    services.save_tag(
        user=owner,
        tag=tag,
        slug=tag.slug,
        label=tag.label,
        description=tag.description,
        category=tag.category,
        labels=labels,
        descriptions=descriptions,
    )


def loaded_capture(location: str, text: str) -> Capture | None:
    """The capture an earlier run stored from this seed file with this text, if any: it
    stays the seed's capture even once the article has later ones, so the seed text is not
    archived again on top of them."""
    return (
        Capture.objects.filter(
            origin=Capture.Origin.SEED,
            origin_location=location,
            sha256=text_sha256(normalize_text(text)),
        )
        .order_by("pk")
        .first()
    )


def was_marked(capture: Capture, start: int, quote: str) -> bool:
    """Whether a claim was ever marked at this span of the seed capture: its appearance is
    still there, or its anchoring history starts there (it has followed the text to a later
    capture). A claim deleted since stays deleted."""
    return (
        Appearance.objects.filter(capture=capture, start=start, quote=quote).exists()
        or AppearanceAnchor.objects.filter(capture=capture, start=start, quote=quote).exists()
    )


class Command(BaseCommand):
    help = "Load the seed articles, tag vocabulary and example claims (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seeds-dir",
            type=Path,
            default=settings.BASE_DIR / "seeds",
            help="Folder holding tags.json, seed.json and the article files.",
        )

    def handle(self, *args, seeds_dir: Path, **options):
        try:
            tags = json.loads((seeds_dir / "tags.json").read_text(encoding="utf-8"))
            manifest = json.loads((seeds_dir / "seed.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read the seeds in {seeds_dir}: {exc}") from exc
        try:
            with transaction.atomic():
                counts = self.load(seeds_dir, tags, manifest)
        except (ValidationError, KeyError, OSError) as exc:
            raise CommandError(f"Seeds not loaded (nothing was changed): {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                "Seeds: {tags} new tag(s), {articles} new article(s), "
                "{claims} new claim(s), {patterns} new pattern(s).".format(**counts)
            )
        )

    def load(self, seeds_dir: Path, tags: list[dict], manifest: dict) -> dict[str, int]:
        counts = {"tags": 0, "articles": 0, "claims": 0, "patterns": 0}
        owner = system_user()
        for item in tags:
            # get_or_create, not update: editors may have refined a seeded tag since.
            tag, created = Tag.objects.get_or_create(
                slug=item["slug"],
                defaults={
                    "label": item["label"],
                    "description": item.get("description", ""),
                    "labels": item.get("labels", {}),
                    "descriptions": item.get("descriptions", {}),
                    "category": item.get("category", ""),
                },
            )
            counts["tags"] += created
            if not created:
                add_translations(owner, tag, item)
            for language, phrases in item.get("patterns", {}).items():
                for phrase in phrases:
                    # get_or_create: the seeded patterns are a starting set editors extend.
                    _, created = TagPattern.objects.get_or_create(
                        tag=tag, language=language, phrase=phrase
                    )
                    counts["patterns"] += created
        for entry in manifest["articles"]:
            path = seeds_dir / entry["file"]
            title, body = parse_text_document(path.read_text(encoding="utf-8"))
            location = f"seeds/{entry['file']}"
            capture = loaded_capture(location, body)
            if capture is None:
                result = archive_article(
                    actor=SEEDS,
                    title=title,
                    capture=CapturePayload(
                        text=body,
                        origin=Capture.Origin.SEED,
                        origin_location=location,
                        extractor="text",
                    ),
                    language=entry.get("language", ""),
                )
                counts["articles"] += result.outcome == "created"
                capture = result.capture
            for claim_entry in entry.get("claims", []):
                counts["claims"] += self.load_claim(owner, capture, claim_entry, path)
        return counts

    def load_claim(self, owner: User, capture: Capture, entry: dict, path: Path) -> bool:
        quote = entry["quote"]
        start = capture.text.find(quote)
        if start < 0:
            raise ValidationError(f"{path.name}: the seed claim “{quote}” is not in the text.")
        if was_marked(capture, start, quote):
            return False
        appearance, _ = services.mark_claim(
            user=owner, capture=capture, start=start, end=start + len(quote), quote=quote
        )
        spec = entry.get("annotation")
        if spec:
            annotation = services.create_annotation(
                user=owner,
                claim=appearance.claim,
                tags=spec.get("tags", []),
                confidence=spec["confidence"],
                verdict=spec.get("verdict", ""),
                rationale=spec.get("rationale", ""),
                submit=True,
            )
            services.publish_annotation(
                user=owner, annotation=annotation, expected_version=annotation.version
            )
        return True
