"""The API's serializers: the read ones describe claims, appearances, annotations, evidence and
tags for the schema and render through `publication.representations`; the others validate the
input the write endpoints accept. The read serializers touch only what `with_details()` loaded."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations import transitions
from annotations.models import (
    Annotation,
    Appearance,
    Claim,
    Evidence,
    Tag,
    TagPattern,
    in_every_language,
)
from archive.models import Capture
from archive.serializers import ArticleBriefSerializer
from core.api.schema import ID_SCHEMA
from core.api.serializers import StrictInputMixin
from core.models import MAX_ID
from publication import representations
from publication.representations import Row


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
# schema); `to_representation` hands the instance, loaded by `with_details()`, to the
# functions of `publication.representations`, which build every claim payload.


class TagSerializer(serializers.ModelSerializer):
    labels = serializers.SerializerMethodField(
        help_text="The label by interface language code, the default language's first."
    )
    descriptions = serializers.SerializerMethodField(
        help_text="The description by interface language code, the default language's first."
    )

    class Meta:
        model = Tag
        fields = [
            "slug",
            "label",
            "labels",
            "description",
            "descriptions",
            "category",
            "created_at",
            "updated_at",
        ]

    def get_labels(self, tag: Tag) -> dict[str, str]:
        return in_every_language(tag.label, tag.labels)

    def get_descriptions(self, tag: Tag) -> dict[str, str]:
        return in_every_language(tag.description, tag.descriptions)


class TagBriefSerializer(serializers.ModelSerializer):
    labels = serializers.SerializerMethodField(
        help_text="The label by interface language code, the default language's first."
    )

    class Meta:
        model = Tag
        fields = ["slug", "label", "labels"]

    def get_labels(self, tag: Tag) -> dict[str, str]:
        return in_every_language(tag.label, tag.labels)


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
        return representations.evidence(Row(evidence))


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
        return representations.annotation(
            Row(annotation),
            tags=[representations.tag(Row(tag)) for tag in annotation.tags.all()],
            evidence=[representations.evidence(Row(e)) for e in annotation.evidence.all()],
        )


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
        return representations.appearance(Row(appearance))


class SourceEditSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the capture that shows the edit was taken.")
    capture = serializers.IntegerField(help_text="The new capture's id.")
    change = serializers.ChoiceField(
        choices=["reworded", "removed"],
        help_text="The sentence the claim was checked in was reworded, or is gone.",
    )
    before = serializers.CharField(help_text="The sentence as it read before.")
    after = serializers.CharField(
        allow_null=True, help_text="The sentence as it reads now; null when removed."
    )


class ClaimSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", help_text="Username.")
    appearances = AppearanceSerializer(many=True)
    source_edits = SourceEditSerializer(
        many=True,
        help_text="Silent edits of the article after the claim was checked, oldest first: "
        "a new capture reworded or removed the sentence (a move is no edit).",
    )
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
            "source_edits",
            "annotations",
        ]

    def to_representation(self, claim):
        annotation = AnnotationSerializer()
        return representations.claim(
            Row(claim),
            appearances=[representations.appearance(Row(a)) for a in claim.appearances.all()],
            annotations=[annotation.to_representation(a) for a in claim.visible_annotations],
        )


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


def reason_field(help_text: str) -> serializers.CharField:
    """The optional `reason` of a change, which the journal keeps (required by the services
    where published material changes)."""
    return serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=help_text
    )


class ClaimUpdateSerializer(StrictInputMixin, serializers.Serializer):
    text = serializers.CharField(required=False)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    claimant = serializers.CharField(max_length=300, required=False, allow_blank=True)
    reason = reason_field("Why it changes: required once an assessment of the claim is published.")


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
        "Required unless the If-Match header carries the ETag instead (428 without either).",
    )


class AnnotationUpdateSerializer(VersionSerializer):
    confidence = serializers.FloatField(min_value=0, max_value=1, required=False)
    tags = serializers.ListField(child=serializers.SlugField(), required=False, max_length=50)
    verdict = serializers.ChoiceField(
        choices=Annotation.Verdict.choices, required=False, allow_blank=True
    )
    rationale = serializers.CharField(required=False, allow_blank=True)
    reason = reason_field("Why it changes: required when the annotation is published.")


def reasoned_step(action: str, help_text: str, **options) -> type[VersionSerializer]:
    """The body of a workflow action that always says why: the version read, and the reason
    under the field the table of transitions names for it (`annotations.transitions`)."""
    [field] = transitions.reason_fields(action)
    reason = serializers.CharField(help_text=help_text, **options)
    attributes = {field: reason, "__module__": __name__}
    return type(f"{action.title()}Serializer", (VersionSerializer,), attributes)


ReturnSerializer = reasoned_step("return", "What the author should change.")
RetractSerializer = reasoned_step(
    "retract", "Why it is retracted: shown publicly with the claim.", max_length=2000
)


class RevertSerializer(StrictInputMixin, serializers.Serializer):
    """`version` is the one to restore; the version read goes in `If-Match` (or
    `expected_version`)."""

    version = serializers.IntegerField(min_value=1, help_text="The version to restore.")
    expected_version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version you read (or send If-Match with its ETag): a stale one is 412.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Why: required when the annotation is published.",
    )


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


def _translations(what: str, max_length: int | None = None) -> serializers.DictField:
    # The keys are interface languages (the model refuses others): stated as properties.
    text = {"type": "string"} if max_length is None else {"type": "string", "maxLength": max_length}

    @extend_schema_field(
        {
            "type": "object",
            "properties": {code: dict(text) for code, _name in settings.LANGUAGES},
            "additionalProperties": False,
        }
    )
    class Translations(serializers.DictField):
        def to_internal_value(self, data):
            # Texts only: DRF's CharField would take a number or a boolean as its text.
            if isinstance(data, dict):
                for language, value in data.items():
                    if not isinstance(value, str):
                        raise serializers.ValidationError({language: ["Expected text."]})
            return super().to_internal_value(data)

    return Translations(
        child=serializers.CharField(allow_blank=True, max_length=max_length),
        required=False,
        help_text=f"The {what} by interface language code; in a PATCH, only the languages "
        "named change, and a blank text removes that translation.",
    )


class TagWriteSerializer(StrictInputMixin, serializers.Serializer):
    slug = serializers.SlugField(max_length=100)
    label = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    labels = _translations("label", max_length=200)
    descriptions = _translations("description")


class TagUpdateSerializer(StrictInputMixin, serializers.Serializer):
    slug = serializers.SlugField(max_length=100, required=False)
    label = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
    labels = _translations("label", max_length=200)
    descriptions = _translations("description")


class TagPatternSerializer(serializers.ModelSerializer):
    class Meta:
        model = TagPattern
        fields = ["id", "language", "phrase"]


class TagPatternWriteSerializer(StrictInputMixin, serializers.Serializer):
    language = serializers.CharField(max_length=16)
    phrase = serializers.CharField(max_length=300)
