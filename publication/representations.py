"""The one read representation of claims, appearances, annotations and evidence: small
functions that build each dict from a row read by name (a `.values(*FIELDS)` dict, or a model
instance through `Row`), and `claims_data`, the flat-query read path that every claim payload
(list, detail, export fallback, JSON-LD) ends in.

A row's keys are ORM lookups ("capture__article__title"), so the same builder serves a
`.values()` query and a loaded instance alike.

`SHOWN` declares what the public claim shows of the tags, articles, sources and people around
it; `claims_affected_by` derives from it which claims a journaled change touches, for the
published read model and the change feed alike.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts import roles
from annotations.models import Annotation, Appearance, Claim, Evidence, in_every_language
from journal.models import Entry

# Where evidence documents are stored, for their URLs.
DOCUMENTS = Evidence._meta.get_field("document").storage

ARTICLE = "capture__article__"
SOURCE = ARTICLE + "source__"


@dataclass(frozen=True)
class Shown:
    """What the public claim shows of one kind of object that is not the claim's own: its
    `fields` (model field names, as the journal names them) and the `paths` (Claim lookups)
    from a claim to it."""

    fields: tuple[str, ...]
    paths: tuple[str, ...]


# What the public claim — its representation below and its linked data (publication.jsonld:
# ClaimReview, Web Annotations) — shows of the objects around it, by journal kind. The
# representation reads these fields and no others (tests/annotations/test_representation_fields.py
# changes every field to prove it); a journaled change to one of them touches every claim
# that shows the object. A claim's own kinds (claim, appearance, annotation, evidence,
# assignment) touch their claim whatever they change.
SHOWN = {
    # The category orders an annotation's tags.
    "tag": Shown(("slug", "label", "labels", "category"), paths=("annotations__tags",)),
    # The authors are ClaimReview's.
    "article": Shown(
        ("title", "url", "language", "published_at", "source", "authors"),
        paths=("appearances__capture__article",),
    ),
    "source": Shown(("slug", "name", "country"), paths=("appearances__capture__article__source",)),
    # Usernames in the representation; full names in ClaimReview and Web Annotations.
    "person": Shown(
        ("username", "first_name", "last_name"),
        paths=(
            "created_by",
            "annotations__author",
            "annotations__reviewed_by",
            "annotations__evidence__added_by",
        ),
    ),
}
TAG_FIELDS = ("slug", "label", "labels")
EVIDENCE_FIELDS = (
    "id",
    "annotation_id",
    "kind",
    "url",
    "capture_id",
    "quote",
    "document",
    "stance",
    "note",
    "added_by__username",
    "created_at",
)
ANNOTATION_FIELDS = (
    "id",
    "claim_id",
    "author__username",
    "status",
    "version",
    "confidence",
    "verdict",
    "rationale",
    "review_comment",
    "reviewed_by__username",
    "reviewed_at",
    "published_at",
    "created_at",
    "updated_at",
)
APPEARANCE_FIELDS = (
    "id",
    "claim_id",
    "capture_id",
    *(ARTICLE + name for name in ("id", "title", "url", "language", "published_at")),
    *(SOURCE + name for name in ("id", "slug", "name", "country")),
    "quote",
    "start",
    "end",
    "prefix",
    "suffix",
    "anchor_status",
    "anchor_method",
    "anchor_score",
    "created_at",
)
CLAIM_FIELDS = (
    "id",
    "text",
    "language",
    "claimant",
    "created_by__username",
    "created_at",
    "updated_at",
    "source_edits",
)


class Row(Mapping):
    """A model instance read as a `.values()` row: `row["capture__article__title"]` follows
    the relations the queryset loaded; a missing relation reads as None."""

    def __init__(self, instance):
        self.instance = instance

    def __getitem__(self, name: str):
        value = self.instance
        for part in name.split("__"):
            if value is None:
                return None
            value = getattr(value, part)
        return value

    def __iter__(self):
        raise TypeError("a Row is read by name only")

    def __len__(self):
        raise TypeError("a Row is read by name only")


def iso(value: dt.datetime | None) -> str | None:
    """A date-time as DRF renders it: UTC, ISO 8601, "Z" for +00:00."""
    if value is None:
        return None
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def source_brief(row: Mapping, prefix: str = "") -> dict | None:
    if row[prefix + "id"] is None:
        return None
    return {
        "id": row[prefix + "id"],
        "slug": row[prefix + "slug"],
        "name": row[prefix + "name"],
        "country": row[prefix + "country"],
    }


def article_brief(row: Mapping, prefix: str = "") -> dict:
    return {
        "id": row[prefix + "id"],
        "title": row[prefix + "title"],
        "url": row[prefix + "url"],
        "language": row[prefix + "language"],
        "published_at": iso(row[prefix + "published_at"]),
        "source": source_brief(row, prefix + "source__"),
    }


def tag(row: Mapping, prefix: str = "") -> dict:
    return {
        "slug": row[prefix + "slug"],
        "label": row[prefix + "label"],
        "labels": in_every_language(row[prefix + "label"], row[prefix + "labels"]),
    }


def evidence(row: Mapping) -> dict:
    # A FileField reads as its file from an instance and as its name from `.values()`.
    document = getattr(row["document"], "name", row["document"])
    return {
        "id": row["id"],
        "annotation": row["annotation_id"],
        "kind": row["kind"],
        "url": row["url"],
        "capture": row["capture_id"],
        "quote": row["quote"],
        "document": DOCUMENTS.url(document) if document else None,
        "stance": row["stance"],
        "note": row["note"],
        "added_by": row["added_by__username"],
        "created_at": iso(row["created_at"]),
    }


def annotation(row: Mapping, *, tags: Iterable[dict] = (), evidence: Iterable[dict] = ()) -> dict:
    return {
        "id": row["id"],
        "claim": row["claim_id"],
        "author": row["author__username"],
        "status": row["status"],
        "version": row["version"],
        "tags": list(tags),
        "confidence": float(row["confidence"]),
        "verdict": row["verdict"],
        "rationale": row["rationale"],
        "evidence": list(evidence),
        "review_comment": row["review_comment"],
        "reviewed_by": row["reviewed_by__username"],
        "reviewed_at": iso(row["reviewed_at"]),
        "published_at": iso(row["published_at"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def appearance(row: Mapping) -> dict:
    return {
        "id": row["id"],
        "claim": row["claim_id"],
        "capture": row["capture_id"],
        "article": article_brief(row, ARTICLE),
        "quote": row["quote"],
        "selector": {
            "start": row["start"],
            "end": row["end"],
            "prefix": row["prefix"],
            "suffix": row["suffix"],
        },
        "anchor": {
            "status": row["anchor_status"],
            "method": row["anchor_method"],
            "score": row["anchor_score"],
        },
        "created_at": iso(row["created_at"]),
    }


def claim(row: Mapping, *, appearances: Iterable[dict], annotations: Iterable[dict]) -> dict:
    return {
        "id": row["id"],
        "text": row["text"],
        "language": row["language"],
        "claimant": row["claimant"],
        "created_by": row["created_by__username"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "appearances": list(appearances),
        "source_edits": [source_edit(edit) for edit in row["source_edits"]],
        "annotations": list(annotations),
    }


def source_edit(edit: Mapping) -> dict:
    """One silent edit of a sentence the claim was checked in (Claim.source_edits)."""
    return {
        "at": edit["at"],
        "capture": edit["capture"],
        "change": edit["change"],
        "before": edit["before"],
        "after": edit["after"],
    }


# Flat queries: one per table, rows by name, no model instance per related row.


def appearances_by_claim(claim_ids: Sequence[int]) -> dict[int, list[dict]]:
    """The appearances of these claims, in id order (one query; the capture's text and raw
    bytes are never read)."""
    appearances = defaultdict(list)
    rows = (
        Appearance.objects.filter(claim_id__any=claim_ids).order_by("pk").values(*APPEARANCE_FIELDS)
    )
    for row in rows:
        appearances[row["claim_id"]].append(appearance(row))
    return appearances


def add_tags_and_evidence(annotations: Mapping[int, dict]) -> None:
    """Fill the `tags` and `evidence` of these annotation dicts (by id): two queries, none
    when there are no annotations."""
    if not annotations:
        return
    # Through the M2M table, in the vocabulary's order (Tag.Meta.ordering).
    for row in (
        Annotation.tags.through.objects.filter(annotation_id__any=annotations)
        .order_by("tag__category", "tag__label")
        .values("annotation_id", *(f"tag__{name}" for name in TAG_FIELDS))
    ):
        annotations[row["annotation_id"]]["tags"].append(tag(row, "tag__"))
    for row in (
        Evidence.objects.alive()
        .filter(annotation_id__any=annotations)
        .order_by("created_at", "pk")
        .values(*EVIDENCE_FIELDS)
    ):
        annotations[row["annotation_id"]]["evidence"].append(evidence(row))


def claims_data(claims: Sequence[Claim], viewer: roles.AnyUser) -> list[dict]:
    """The representation of `claims` (loaded `with_creator()`), with the annotations
    `viewer` may see, from four flat queries (appearances; annotations; their tags; their
    evidence), none when `claims` is empty and only the first two when no annotation is
    visible.

    The claim list, detail and export use this rather than `with_details()`: materialising
    the page's related rows as model instances, and Django's prefetch machinery (a related
    manager per annotation for its tags), cost several times the queries themselves."""
    return claim_rows_data([Row(claim) for claim in claims], viewer)


def claim_rows_data(claims: Sequence[Mapping], viewer: roles.AnyUser) -> list[dict]:
    """`claims_data` for claims read by name (`.values(*CLAIM_FIELDS)` rows, or `Row`s): no
    model instance at all, for the many claims of a rebuild of the published read model."""
    if not claims:
        return []
    ids = [claim["id"] for claim in claims]
    appearances = appearances_by_claim(ids)
    annotations = defaultdict(list)
    by_id = {}
    for row in (
        Annotation.objects.visible_to(viewer)
        .filter(claim_id__any=ids)
        .order_by("created_at", "pk")
        .values(*ANNOTATION_FIELDS)
    ):
        by_id[row["id"]] = annotation(row)
        annotations[row["claim_id"]].append(by_id[row["id"]])
    add_tags_and_evidence(by_id)
    return [
        claim(c, appearances=appearances[c["id"]], annotations=annotations[c["id"]]) for c in claims
    ]


# What a change touches, derived from SHOWN.


def shows_change(entry: Entry) -> bool:
    """Whether `entry`, about a tag, article, source or person, changed a field that public
    claims show (nothing shows what was just created)."""
    if entry.kind not in SHOWN or entry.action == "created":
        return False
    changed = {change["field"] for change in entry.changes}
    return bool(changed.intersection(SHOWN[entry.kind].fields))


def claims_affected_by(
    entries: Sequence[Entry], among: QuerySet[Claim] | None = None
) -> list[set[int]]:
    """For each of `entries` (in order), the claims whose public representation it may have
    changed: its own claim, or — for a tag, article, source or person whose shown fields
    changed — every claim showing that object, narrowed to `among` when given. One query per
    path of each kind present, none for entries that all belong to a claim."""
    spreading: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.claim_id is None and shows_change(entry):
            spreading[entry.kind].add(entry.object_id)
    claims = Claim.objects.all() if among is None else among
    claims_of: dict[tuple[str, int], set[int]] = defaultdict(set)
    for kind, object_ids in spreading.items():
        for path in SHOWN[kind].paths:
            rows = claims.filter(**{f"{path}__in": object_ids}).values_list(path, "pk")
            for object_id, claim_id in rows.order_by().distinct():
                claims_of[kind, object_id].add(claim_id)
    return [
        {entry.claim_id}
        if entry.claim_id is not None
        else claims_of.get((entry.kind, entry.object_id), set())
        for entry in entries
    ]


def capture_analysis(
    *, capture_id: int, language: str, foreign_spans: Iterable[Mapping], suggestions, tags
) -> dict:
    """A capture's analysis (intelligence.analysis.Analysis) as the API gives it."""
    return {
        "capture": capture_id,
        "language": language,
        "foreign_spans": [
            {
                "start": span["start"],
                "end": span["end"],
                "text": span["text"],
                "language": span["language"],
                "score": span["score"],
            }
            for span in foreign_spans
        ],
        "suggestions": [
            {
                "start": s.start,
                "end": s.end,
                "quote": s.quote,
                "tags": list(s.tags),
                "reason": s.reason,
            }
            for s in suggestions
        ],
        "tags": list(tags),
    }
