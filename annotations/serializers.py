"""Read representations of claims, appearances, annotations, evidence and tags, and the input
the write endpoints accept. The read serializers touch only what `with_details()` loaded."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import roles
from archive.models import Capture
from archive.serializers import ArticleBriefSerializer
from core.api.schema import ID_SCHEMA
from core.api.serializers import StrictInputMixin
from core.models import MAX_ID

from .models import Annotation, Appearance, Claim, Evidence, Tag


@extend_schema_field(ID_SCHEMA)
class IdField(serializers.PrimaryKeyRelatedField):
    """A primary key among the objects `queryset_for(viewer)` returns; an id out of range or
    not visible is "no such object" (400), never a database error."""

    def __init__(self, **kwargs):
        self.queryset_for = kwargs.pop("queryset_for", None)
        super().__init__(**kwargs)

    def get_queryset(self):
        if self.queryset_for is not None:
            return self.queryset_for(self.context["viewer"])
        return super().get_queryset()

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, int | str) and not str(data).isdigit()):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, int | str) and not 1 <= int(data) <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


# Read representations
#
# The classes declare the fields (for validation of nested input, and for the OpenAPI
# schema); `to_representation` builds the same dicts directly, several times faster than
# DRF's field-by-field machinery, from what `with_details()` loaded. The whole-payload tests
# and the fuzz run's response validation keep the two in step.


def iso(value) -> str | None:
    """A date-time as DRF renders it: UTC, ISO 8601, "Z" for +00:00."""
    if value is None:
        return None
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def source_brief(source) -> dict | None:
    if source is None:
        return None
    return {"id": source.pk, "slug": source.slug, "name": source.name, "country": source.country}


def article_brief(article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "url": article.url,
        "language": article.language,
        "published_at": iso(article.published_at),
        "source": source_brief(article.source),
    }


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "label", "description", "category", "created_at", "updated_at"]


class TagBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "label"]


class EvidenceSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Evidence.Kind.choices)
    stance = serializers.ChoiceField(choices=Evidence.Stance.choices)
    document = serializers.SerializerMethodField(help_text="URL of the attached document.")
    added_by = serializers.CharField(source="added_by.username", help_text="Username.")

    class Meta:
        model = Evidence
        fields = [
            "id",
            "annotation",
            "kind",
            "url",
            "capture",
            "quote",
            "document",
            "stance",
            "note",
            "added_by",
            "created_at",
        ]

    def get_document(self, evidence) -> str | None:
        return evidence.document.url if evidence.document else None

    def to_representation(self, evidence):
        return {
            "id": evidence.pk,
            "annotation": evidence.annotation_id,
            "kind": evidence.kind,
            "url": evidence.url,
            "capture": evidence.capture_id,
            "quote": evidence.quote,
            "document": self.get_document(evidence),
            "stance": evidence.stance,
            "note": evidence.note,
            "added_by": evidence.added_by.username,
            "created_at": iso(evidence.created_at),
        }


class AnnotationSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", help_text="Username.")
    status = serializers.ChoiceField(choices=Annotation.Status.choices)
    verdict = serializers.ChoiceField(choices=[("", "none"), *Annotation.Verdict.choices])
    tags = TagBriefSerializer(many=True)
    confidence = serializers.FloatField(min_value=0, max_value=1, help_text="From 0 to 1.")
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", allow_null=True, default=None, help_text="Username."
    )
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = Annotation
        fields = [
            "id",
            "claim",
            "author",
            "status",
            "version",
            "tags",
            "confidence",
            "verdict",
            "rationale",
            "evidence",
            "review_comment",
            "reviewed_by",
            "reviewed_at",
            "published_at",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, annotation):
        evidence = EvidenceSerializer()
        return {
            "id": annotation.pk,
            "claim": annotation.claim_id,
            "author": annotation.author.username,
            "status": annotation.status,
            "version": annotation.version,
            "tags": [{"slug": tag.slug, "label": tag.label} for tag in annotation.tags.all()],
            "confidence": float(annotation.confidence),
            "verdict": annotation.verdict,
            "rationale": annotation.rationale,
            "evidence": [evidence.to_representation(e) for e in annotation.evidence.all()],
            "review_comment": annotation.review_comment,
            "reviewed_by": annotation.reviewed_by.username if annotation.reviewed_by else None,
            "reviewed_at": iso(annotation.reviewed_at),
            "published_at": iso(annotation.published_at),
            "created_at": iso(annotation.created_at),
            "updated_at": iso(annotation.updated_at),
        }


class SelectorSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="Offset of the first code point.")
    end = serializers.IntegerField(help_text="Offset after the last code point.")
    prefix = serializers.CharField(help_text="Text just before the quote.")
    suffix = serializers.CharField(help_text="Text just after the quote.")


class AnchorSerializer(serializers.Serializer):
    status = serializers.ChoiceField(source="anchor_status", choices=Appearance.Status.choices)
    method = serializers.ChoiceField(source="anchor_method", choices=Appearance.Method.choices)
    score = serializers.FloatField(source="anchor_score")


class AppearanceSerializer(serializers.ModelSerializer):
    article = ArticleBriefSerializer(source="capture.article")
    selector = SelectorSerializer(source="*")
    anchor = AnchorSerializer(source="*")

    class Meta:
        model = Appearance
        fields = ["id", "claim", "capture", "article", "quote", "selector", "anchor", "created_at"]

    def to_representation(self, appearance):
        return {
            "id": appearance.pk,
            "claim": appearance.claim_id,
            "capture": appearance.capture_id,
            "article": article_brief(appearance.capture.article),
            "quote": appearance.quote,
            "selector": {
                "start": appearance.start,
                "end": appearance.end,
                "prefix": appearance.prefix,
                "suffix": appearance.suffix,
            },
            "anchor": {
                "status": appearance.anchor_status,
                "method": appearance.anchor_method,
                "score": appearance.anchor_score,
            },
            "created_at": iso(appearance.created_at),
        }


class ClaimSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", help_text="Username.")
    appearances = AppearanceSerializer(many=True)
    annotations = AnnotationSerializer(
        source="visible_annotations",
        many=True,
        help_text="The annotations you may see: published ones, your own, or all for editors.",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "language",
            "claimant",
            "created_by",
            "created_at",
            "updated_at",
            "appearances",
            "annotations",
        ]

    def to_representation(self, claim):
        appearance, annotation = AppearanceSerializer(), AnnotationSerializer()
        return {
            "id": claim.pk,
            "text": claim.text,
            "language": claim.language,
            "claimant": claim.claimant,
            "created_by": claim.created_by.username,
            "created_at": iso(claim.created_at),
            "updated_at": iso(claim.updated_at),
            "appearances": [appearance.to_representation(a) for a in claim.appearances.all()],
            "annotations": [annotation.to_representation(a) for a in claim.visible_annotations],
        }


def claims_data(claims: Sequence[Claim], viewer: roles.AnyUser) -> list[dict]:
    """`ClaimSerializer`'s representation of `claims` (loaded `with_creator()`), with the
    annotations `viewer` may see: the same dicts, from four flat queries (appearances;
    annotations; their tags; their evidence), none when `claims` is empty and only the first
    two when no annotation is visible.

    The claim list, detail and export use this rather than `with_details()`: materialising
    the page's related rows as model instances, and Django's prefetch machinery (a related
    manager per annotation for its tags), cost several times the queries themselves."""
    if not claims:
        return []
    ids = [claim.pk for claim in claims]
    appearances = defaultdict(list)
    # Joined columns only: the capture's text and raw bytes are never read.
    for row in (
        Appearance.objects.filter(claim_id__any=ids)
        .order_by("pk")
        .values_list(
            "pk",
            "claim_id",
            "capture_id",
            "capture__article_id",
            "capture__article__title",
            "capture__article__url",
            "capture__article__language",
            "capture__article__published_at",
            "capture__article__source_id",
            "capture__article__source__slug",
            "capture__article__source__name",
            "capture__article__source__country",
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
    ):
        source = (
            {"id": row[8], "slug": row[9], "name": row[10], "country": row[11]}
            if row[8] is not None
            else None
        )
        appearances[row[1]].append(
            {
                "id": row[0],
                "claim": row[1],
                "capture": row[2],
                "article": {
                    "id": row[3],
                    "title": row[4],
                    "url": row[5],
                    "language": row[6],
                    "published_at": iso(row[7]),
                    "source": source,
                },
                "quote": row[12],
                "selector": {
                    "start": row[13],
                    "end": row[14],
                    "prefix": row[15],
                    "suffix": row[16],
                },
                "anchor": {"status": row[17], "method": row[18], "score": row[19]},
                "created_at": iso(row[20]),
            }
        )
    annotations = defaultdict(list)
    by_id = {}
    for row in (
        Annotation.objects.visible_to(viewer)
        .filter(claim_id__any=ids)
        .order_by("created_at", "pk")
        .values_list(
            "pk",
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
    ):
        annotation = {
            "id": row[0],
            "claim": row[1],
            "author": row[2],
            "status": row[3],
            "version": row[4],
            "tags": [],
            "confidence": float(row[5]),
            "verdict": row[6],
            "rationale": row[7],
            "evidence": [],
            "review_comment": row[8],
            "reviewed_by": row[9],
            "reviewed_at": iso(row[10]),
            "published_at": iso(row[11]),
            "created_at": iso(row[12]),
            "updated_at": iso(row[13]),
        }
        annotations[row[1]].append(annotation)
        by_id[row[0]] = annotation
    if by_id:
        # Through the M2M table, in the vocabulary's order (Tag.Meta.ordering).
        for annotation_id, slug, label in (
            Annotation.tags.through.objects.filter(annotation_id__any=by_id)
            .order_by("tag__category", "tag__label")
            .values_list("annotation_id", "tag__slug", "tag__label")
        ):
            by_id[annotation_id]["tags"].append({"slug": slug, "label": label})
        storage = Evidence._meta.get_field("document").storage
        for row in (
            Evidence.objects.alive()
            .filter(annotation_id__any=by_id)
            .order_by("created_at", "pk")
            .values_list(
                "pk",
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
        ):
            by_id[row[1]]["evidence"].append(
                {
                    "id": row[0],
                    "annotation": row[1],
                    "kind": row[2],
                    "url": row[3],
                    "capture": row[4],
                    "quote": row[5],
                    "document": storage.url(row[6]) if row[6] else None,
                    "stance": row[7],
                    "note": row[8],
                    "added_by": row[9],
                    "created_at": iso(row[10]),
                }
            )
    return [
        {
            "id": claim.pk,
            "text": claim.text,
            "language": claim.language,
            "claimant": claim.claimant,
            "created_by": claim.created_by.username,
            "created_at": iso(claim.created_at),
            "updated_at": iso(claim.updated_at),
            "appearances": appearances[claim.pk],
            "annotations": annotations[claim.pk],
        }
        for claim in claims
    ]


# Input


def _visible_claims(viewer):
    return Claim.objects.visible_to(viewer)


def _visible_annotations(viewer):
    return Annotation.objects.visible_to(viewer).select_related("claim")


LANGUAGES = settings.CLAIMDESK_LANGUAGES


class SpanSerializer(StrictInputMixin, serializers.Serializer):
    capture = IdField(queryset=Capture.objects.defer("raw"))
    start = serializers.IntegerField(min_value=0, max_value=MAX_ID, help_text="Code points.")
    end = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Code points.")
    quote = serializers.CharField(
        trim_whitespace=False, help_text="Exactly capture.text[start:end]; checked."
    )


class ClaimCreateSerializer(SpanSerializer):
    """A new claim marked in a capture: the span (capture, start, end, quote) and optionally a
    normalised wording (default: the quote), its language (default: the article's) and who
    makes it."""

    text = serializers.CharField(required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=LANGUAGES, required=False, allow_blank=True, default=""
    )
    claimant = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ClaimUpdateSerializer(StrictInputMixin, serializers.Serializer):
    text = serializers.CharField(required=False)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    claimant = serializers.CharField(max_length=300, required=False, allow_blank=True)


class AppearanceCreateSerializer(SpanSerializer):
    claim = IdField(queryset_for=_visible_claims)


class AnnotationCreateSerializer(StrictInputMixin, serializers.Serializer):
    claim = IdField(queryset_for=_visible_claims)
    confidence = serializers.FloatField(min_value=0, max_value=1, help_text="From 0 to 1.")
    tags = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        default=list,
        max_length=50,
        help_text="Tag slugs from the vocabulary.",
    )
    verdict = serializers.ChoiceField(
        choices=Annotation.Verdict.choices, required=False, allow_blank=True, default=""
    )
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    submit = serializers.BooleanField(
        required=False, default=False, help_text="Submit for review at once."
    )


class VersionSerializer(StrictInputMixin, serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The version you read; refused with 412 if the annotation changed since. "
        "The If-Match header (the ETag) does the same.",
    )


class AnnotationUpdateSerializer(VersionSerializer):
    confidence = serializers.FloatField(min_value=0, max_value=1, required=False)
    tags = serializers.ListField(child=serializers.SlugField(), required=False, max_length=50)
    verdict = serializers.ChoiceField(
        choices=Annotation.Verdict.choices, required=False, allow_blank=True
    )
    rationale = serializers.CharField(required=False, allow_blank=True)


class ReturnSerializer(VersionSerializer):
    comment = serializers.CharField(help_text="What the author should change.")


class EvidenceCreateSerializer(StrictInputMixin, serializers.Serializer):
    """Exactly one of: `url` (a link), `capture` (+ optional `quote` from it), `document`."""

    annotation = IdField(queryset_for=_visible_annotations)
    stance = serializers.ChoiceField(choices=Evidence.Stance.choices)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    capture = IdField(
        queryset=Capture.objects.defer("raw"), required=False, allow_null=True, default=None
    )
    quote = serializers.CharField(required=False, allow_blank=True, default="")
    document = serializers.FileField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TagWriteSerializer(StrictInputMixin, serializers.Serializer):
    slug = serializers.SlugField(max_length=100)
    label = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class TagUpdateSerializer(StrictInputMixin, serializers.Serializer):
    slug = serializers.SlugField(max_length=100, required=False)
    label = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
