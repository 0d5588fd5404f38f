"""An annotation's version (optimistic concurrency) and its journal record, shared by the
annotation services; internal to the package."""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from core.exceptions import PreconditionFailed, PreconditionRequired
from journal import services as journal
from journal.models import Entry

from ..models import Annotation, Tag


class StaleVersionError(PreconditionFailed):
    """The annotation changed since the caller read it (optimistic concurrency)."""

    def __init__(self, annotation: Annotation, expected: int):
        self.annotation = annotation
        self.expected = expected
        super().__init__(
            f"Annotation {annotation.pk} is at version {annotation.version}, not {expected}: "
            "someone else changed it. Reload it and apply your change again.",
            current_version=annotation.version,
        )


def clean_confidence(value: object) -> Decimal:
    try:
        confidence = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {
                "confidence": _("Confidence must be a number between 0 and 1, not “%(value)s”.")
                % {"value": value}
            }
        ) from None
    if not confidence.is_finite() or not (0 <= confidence <= 1):
        raise ValidationError(
            {
                "confidence": _("Confidence must be between 0 and 1, not %(value)s.")
                % {"value": value}
            }
        )
    return confidence.quantize(Decimal("0.001"))


def tags_named(slugs_or_tags: Iterable[Tag | str]) -> list[Tag]:
    items = list(slugs_or_tags)
    slugs = {t for t in items if isinstance(t, str)}
    tags = [t for t in items if isinstance(t, Tag)]
    if slugs:
        found = list(Tag.objects.filter(slug__in=slugs))
        missing = slugs - {t.slug for t in found}
        if missing:
            raise ValidationError(
                {
                    "tags": _("Unknown tag(s): %(tags)s. Pick from the vocabulary.")
                    % {"tags": ", ".join(sorted(missing))}
                }
            )
        tags.extend(found)
    return tags


# The fields of an annotation's assessment: what an edit changes and a revert restores.
CONTENT_FIELDS = ("confidence", "tags", "verdict", "rationale")


def annotation_state(annotation: Annotation) -> dict:
    """The annotation's journaled fields as the API gives them (confidence a number, tags a
    list of slugs)."""
    return {
        "status": annotation.status,
        "confidence": float(annotation.confidence),
        "tags": sorted(annotation.tags.values_list("slug", flat=True)),
        "verdict": annotation.verdict,
        "rationale": annotation.rationale,
        "review_comment": annotation.review_comment,
    }


# Per kind of a claim's objects, whose work it is: the person who may read its entries before
# they are public.
OWNERS = {
    "claim": "created_by_id",
    "appearance": "created_by_id",
    "annotation": "author_id",
    "assignment": "assignee_id",
}


def claim_change(
    user: Actor, kind: str, obj: Model, action: str, before: dict, after: dict | None, **details
) -> Entry:
    """`journal.change` for a claim or one of its objects (an `OWNERS` kind): the entry names
    the claim, for its history, and the object's owner."""
    claim_id = obj.pk if kind == "claim" else obj.claim_id
    owner_id = getattr(obj, OWNERS[kind])
    return journal.change(
        user, kind, obj, action, before, after, claim_id=claim_id, owner_id=owner_id, **details
    )


def record_claim_change(*args, **details) -> Entry:
    """Record `claim_change(...)`; the caller holds the transaction."""
    return journal.record_entry(claim_change(*args, **details))


def record_annotation(
    annotation: Annotation,
    *,
    user: Actor,
    action: str,
    before: dict,
    extra_changes: Iterable[dict] = (),
    reason: str = "",
    from_version: int | None = None,
) -> None:
    """Journal a write to `annotation` (its state before is `before`): public when it was or
    is now published, otherwise readable by its author and editors only."""
    entry = claim_change(
        user,
        "annotation",
        annotation,
        action,
        before,
        annotation_state(annotation),
        public=Annotation.Status.PUBLISHED in (before.get("status"), annotation.status),
        version=annotation.version,
        from_version=from_version,
        reason=reason,
    )
    entry.changes += extra_changes
    journal.record_entry(entry)


def require_precondition(expected_version: int | None) -> int:
    """The version a write is based on; a write that names none is refused (called after the
    rule check, so a user who may not write learns nothing from it)."""
    if expected_version is None:
        raise PreconditionRequired(
            "Say which version of the annotation you are changing: send the `version` you "
            "read in the body, or its ETag in an If-Match header."
        )
    return expected_version


def bump_version(annotation: Annotation, expected_version: int | None, **changes) -> None:
    """Apply `changes` and increment the version, unless another write got there first."""
    expected_version = require_precondition(expected_version)
    changes["updated_at"] = timezone.now()
    query = Annotation.objects.filter(pk=annotation.pk, version=expected_version)
    if not query.update(version=F("version") + 1, **changes):
        annotation.refresh_from_db()
        raise StaleVersionError(annotation, expected_version)
    if annotation.version != expected_version or any(
        isinstance(Annotation._meta.get_field(name), DecimalField) for name in changes
    ):
        # What is in memory is not the version the update matched, or the database rounded a
        # decimal to its places: read back what it stored.
        annotation.refresh_from_db()
        return
    # The row is now the version in memory with `changes` applied: no need to read it again
    # (as `refresh_from_db` would, what was prefetched is forgotten).
    for name, value in changes.items():
        setattr(annotation, name, value)
    annotation.version = expected_version + 1
    annotation.__dict__.pop("_prefetched_objects_cache", None)


def touch_version(annotation: Annotation) -> None:
    """Increment the version for a change beside the annotation's own fields (evidence added
    or removed): it adds to what others wrote, so it needs no precondition."""
    Annotation.objects.filter(pk=annotation.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    annotation.refresh_from_db()


def check_unchanged(annotation: Annotation, expected_version: int | None) -> None:
    """For a write that changes nothing: still refuse a missing or stale precondition, but
    neither bump the version nor record a revision."""
    expected_version = require_precondition(expected_version)
    current = Annotation.objects.filter(pk=annotation.pk).values_list("version", flat=True)
    if current.first() != expected_version:
        annotation.refresh_from_db()
        raise StaleVersionError(annotation, expected_version)
