"""Filter sets (django-filter) of the articles and claims lists, pages and API alike, and of
the API's appearance, annotation and evidence lists. Every condition on annotations applies to
the annotations the reader may see, and all of them to the same annotation: "tag X and status
published" means one published annotation tagged X."""

import re
from decimal import Decimal

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from archive.models import LANGUAGE_CHOICES, LANGUAGE_RE, Article, Capture, Source
from core.api.filters import (
    SLUG_PATTERN,
    DateTimeFilter,
    IdFilter,
    RepeatableChoiceFilter,
    StrictFilterSet,
    TextFilter,
)
from core.models import SLUG_MAX_LENGTH

from .models import Annotation, Appearance, Claim, Evidence, Tag
from .search import matching, parse_query


class SearchQueryField(forms.CharField):
    """Search text, parsed (`annotations.search.parse_query`): too long or too many words is
    a form error (a 400 from the API), never a database failure."""

    def clean(self, value):
        value = super().clean(value)
        return parse_query(value) if value else value


@extend_schema_field(
    {
        "type": "string",
        "maxLength": settings.CLAIMDESK_SEARCH_MAX_LENGTH,
        "description": f"Search words (at most {settings.CLAIMDESK_SEARCH_MAX_TERMS}).",
    }
)
class SearchFilter(django_filters.CharFilter):
    field_class = SearchQueryField


class ArticleFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("Search title and text"), method="search")
    source = django_filters.ModelChoiceFilter(
        label=_("Source"),
        queryset=Source.objects.all(),
        to_field_name="slug",
        empty_label=_("any source"),
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=LANGUAGE_CHOICES, empty_label=_("any language")
    )
    tag = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        empty_label=_("any tag"),
        method="tagged",
        label=_("Tag"),
    )
    has_claims = django_filters.BooleanFilter(
        method="with_claims",
        label=_("Claims"),
        widget=forms.Select(
            choices=[
                ("", pgettext_lazy("claims", "with or without")),
                ("true", pgettext_lazy("claims", "with")),
                ("false", pgettext_lazy("claims", "without")),
            ]
        ),
    )

    class Meta:
        model = Article
        fields = ["q", "source", "language", "tag", "has_claims"]

    def filter_queryset(self, queryset):
        if "q" in self.form.errors:
            return queryset.none()  # a search that cannot run finds nothing, not everything
        return super().filter_queryset(queryset)

    def search(self, queryset, name, value):
        def contains(text: str) -> Q:
            in_text = Capture.objects.filter(article=OuterRef("pk"), text__icontains=text)
            return Q(title__icontains=text) | Exists(in_text)

        return queryset.filter(matching(value, contains)) if value else queryset

    def _claims_in_article(self, annotation_filter: Q | None = None):
        user = self.request.user
        claims = Claim.objects.visible_to(user)
        if annotation_filter is not None:
            annotations = Annotation.objects.visible_to(user).filter(annotation_filter)
            claims = claims.filter(Exists(annotations.filter(claim=OuterRef("pk"))))
        return Appearance.objects.filter(
            capture__article=OuterRef("pk"), claim__in=claims.values("pk")
        )

    def tagged(self, queryset, name, value):
        return queryset.filter(Exists(self._claims_in_article(Q(tags=value))))

    def with_claims(self, queryset, name, value):
        condition = Exists(self._claims_in_article())
        return queryset.filter(condition if value else ~condition)


# Claims


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 1})
class ConfidenceFilter(django_filters.NumberFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, max_value=1, **kwargs)


# Filters on a claim's annotations, as lookups on Annotation: a claim matches when one
# annotation the reader may see meets all of them.
ANNOTATION_LOOKUPS = {
    "tag": "tags__slug__in",
    "status": "status",
    "min_confidence": "confidence__gte",
    "max_confidence": "confidence__lte",
    "author": "author__username",
    "verdict": "verdict",
    "published_after": "published_at__gte",
    "published_before": "published_at__lt",
}


# The most tags one request filters on (tag=a&tag=b…).
MAX_TAGS = 10
# Longest author username (Django's User.username).
USERNAME_MAX_LENGTH = 150
# A language parameter: a BCP 47 tag as claims and articles store it.
LANGUAGE_PARAMETER = {"max_length": 16, "pattern": LANGUAGE_RE.pattern}


class SlugsField(forms.Field):
    """Repeated slugs (`tag=a&tag=b`), each well formed, at most MAX_TAGS of them."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        return list(value or [])

    def validate(self, value):
        super().validate(value)
        if len(value) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags.", code="max_items")
        for slug in value:
            if len(slug) > SLUG_MAX_LENGTH or not re.match(SLUG_PATTERN, slug):
                raise forms.ValidationError(f"“{slug}” is not a slug.", code="invalid")


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": SLUG_MAX_LENGTH},
        "maxItems": MAX_TAGS,
    }
)
class TagSlugsFilter(django_filters.Filter):
    """Repeatable tag slugs; like an unknown id, an unknown slug matches nothing."""

    field_class = SlugsField


class TrueFalseField(forms.Field):
    """`true` or `false`, nothing else (a typo is an error, not "any")."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Give true or false.", code="invalid")


@extend_schema_field({"type": "boolean"})
class TrueFalseFilter(django_filters.Filter):
    field_class = TrueFalseField


class ClaimFilter(StrictFilterSet):
    """The claims list's filters, as the API's query parameters: one condition per parameter,
    built on the QuerySet methods `assessed` (on the annotations `viewer` may see: the
    request's user unless given), `appearing` and `search`. `ClaimListFilter` is the same
    logic behind the claims page's form."""

    # Confidence parameters are fractions of this (the page asks for a percentage).
    confidence_scale = 1
    annotation_lookups = ANNOTATION_LOOKUPS

    tag = TagSlugsFilter(help_text="Tag slug; repeat for any of several (tag=a&tag=b).")
    source = TextFilter(
        method="filter_source",
        help_text="Source slug.",
        max_length=SLUG_MAX_LENGTH,
        pattern=SLUG_PATTERN,
    )
    article = IdFilter(method="filter_article", help_text="Article id.")
    language = TextFilter(field_name="language", help_text="Claim language.", **LANGUAGE_PARAMETER)
    status = django_filters.ChoiceFilter(
        choices=Annotation.Status.choices, help_text="Annotation status."
    )
    min_confidence = ConfidenceFilter(help_text="An annotation at least this confident.")
    max_confidence = ConfidenceFilter(help_text="An annotation at most this confident.")
    author = TextFilter(
        help_text="Username of an annotation's author.", max_length=USERNAME_MAX_LENGTH
    )
    verdict = django_filters.ChoiceFilter(choices=Annotation.Verdict.choices)
    q = SearchFilter(method="filter_q", help_text="Words in the claim's wording or quotes.")
    source_edited = TrueFalseFilter(
        method="filter_source_edited",
        help_text="true: claims whose source was silently edited since they were checked (a "
        "sentence they were checked in reworded or removed: `source_edits` not empty); false: "
        "the others.",
    )
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    published_after = DateTimeFilter(help_text="An annotation published at or after this time.")
    published_before = DateTimeFilter(help_text="An annotation published before this time.")
    updated_since = DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Claims changed at or after this time (incremental harvesting).",
    )

    class Meta:
        model = Claim
        fields = []

    def __init__(self, *args, viewer=None, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if viewer is None:
            viewer = request.user if request is not None else AnonymousUser()
        self.viewer = viewer

    def filters_anything(self) -> bool:
        """Whether a parameter (valid, and not empty) narrows the claims."""
        return any(value not in (None, "", []) for value in self.form.cleaned_data.values())

    def filter_queryset(self, queryset):
        if self.form.non_field_errors() or "q" in self.form.errors:
            return queryset.none()
        conditions = {}
        for name, value in self.form.cleaned_data.items():
            if name in self.annotation_lookups:
                if name == "tag":
                    # The tags as chosen (no query): none chosen is no condition.
                    value = [getattr(tag, "slug", tag) for tag in value]
                elif name in ("min_confidence", "max_confidence") and value is not None:
                    value = Decimal(value) / self.confidence_scale
                if value in (None, "", []):
                    continue
                conditions[self.annotation_lookups[name]] = value
            else:
                queryset = self.filters[name].filter(queryset, value)
        if conditions:
            queryset = queryset.assessed(self.viewer, **conditions)
        return queryset

    def filter_source(self, queryset, name, value):
        slug = value.slug if isinstance(value, Source) else value
        return queryset.appearing(capture__article__source__slug=slug)

    def filter_article(self, queryset, name, value):
        return queryset.appearing(capture__article_id=value)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_source_edited(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.source_edited(value)


class ClaimListFilterForm(forms.Form):
    field_order = [
        "q",
        "tag",
        "status",
        "verdict",
        "source",
        "min_confidence",
        "max_confidence",
        "author",
        "source_edited",
    ]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_confidence"), data.get("max_confidence")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(
                gettext(
                    "The confidence range is empty: from %(low)s %% is above up to %(high)s %%."
                )
                % {"low": low, "high": high}
            )
        return data


def page_tag_filter():
    """The pages' tag filter: checkboxes, any of the chosen tags."""
    return django_filters.ModelMultipleChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        label=_("Tags (any of)"),
        widget=forms.CheckboxSelectMultiple,
    )


def page_source_filter():
    """The pages' source filter: a list of sources by name."""
    return django_filters.ModelChoiceFilter(
        label=_("Source"),
        queryset=Source.objects.all(),
        to_field_name="slug",
        empty_label=_("any source"),
        method="filter_source",
    )


class ClaimListFilter(ClaimFilter):
    """`ClaimFilter` as the claims page's form: fewer fields, labelled, sources and tags to
    choose from, confidence in percent; an empty field means "any"."""

    confidence_scale = 100

    q = SearchFilter(label=_("Search wording and quotes"), method="filter_q")
    tag = page_tag_filter()
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Annotation.Status.choices, empty_label=_("any status")
    )
    verdict = django_filters.ChoiceFilter(
        label=_("Verdict"), choices=Annotation.Verdict.choices, empty_label=_("any verdict")
    )
    source = page_source_filter()
    min_confidence = django_filters.NumberFilter(
        label=_("Confidence from (%)"), min_value=0, max_value=100
    )
    max_confidence = django_filters.NumberFilter(
        label=_("Confidence up to (%)"), min_value=0, max_value=100
    )
    author = django_filters.CharFilter(label=_("Annotated by (login)"))
    source_edited = django_filters.BooleanFilter(
        method="filter_source_edited",
        label=_("Source edited"),
        widget=forms.Select(
            choices=[
                ("", pgettext_lazy("source edited", "either")),
                ("true", pgettext_lazy("source edited", "edited since checked")),
                ("false", pgettext_lazy("source edited", "not edited")),
            ]
        ),
    )
    # Parameters of the API that the page does not offer.
    article = language = created_after = created_before = None
    published_after = published_before = updated_since = None

    class Meta(ClaimFilter.Meta):
        form = ClaimListFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only filters that can match: an anonymous reader sees published annotations
        # only, so a status to choose (draft, submitted, returned) could only empty the list.
        if not self.viewer.is_authenticated:
            del self.filters["status"]

    def is_valid(self):
        # The page's form sends every field, and an empty one means "any": not the API's
        # strict refusal of empty parameters.
        return django_filters.FilterSet.is_valid(self)


class AgreementFilter(ClaimFilter):
    """`ClaimFilter` for the agreement report, where `status` chooses which annotations
    count (repeatable; submitted and published unless given) instead of filtering claims."""

    annotation_lookups = {k: v for k, v in ANNOTATION_LOOKUPS.items() if k != "status"}

    status = RepeatableChoiceFilter(
        choices=Annotation.Status.choices,
        method="counted",
        help_text="Annotations that count; repeat for several (default: submitted and published).",
    )

    def counted(self, queryset, name, value):
        return queryset  # read by the report, see `statuses`

    @property
    def statuses(self) -> list[str] | None:
        return self.form.cleaned_data.get("status") or None


class AgreementPageFilter(AgreementFilter):
    """`AgreementFilter` as the agreement page's form: tag, source, language, author, the
    period the claims were created in, and which annotations count; empty means "any"."""

    tag = page_tag_filter()
    source = page_source_filter()
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=LANGUAGE_CHOICES, empty_label=_("any language")
    )
    author = django_filters.CharFilter(label=_("Annotated by (login)"))
    created_after = django_filters.DateFilter(
        label=_("Claims from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = django_filters.DateFilter(
        label=_("Claims before"),
        field_name="created_at",
        lookup_expr="date__lt",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Annotations that count (none ticked: submitted and published)"),
        choices=Annotation.Status.choices,
        method="counted",
        widget=forms.CheckboxSelectMultiple,
    )
    # Parameters of the API that the page does not offer.
    q = article = min_confidence = max_confidence = verdict = source_edited = None
    published_after = published_before = updated_since = None

    def is_valid(self):
        # The form sends every field, and an empty one means "any".
        return django_filters.FilterSet.is_valid(self)


# Appearances, annotations and evidence (API)


class AppearanceFilter(StrictFilterSet):
    claim = IdFilter()
    capture = IdFilter()
    article = IdFilter(field_name="capture__article")
    anchor_status = django_filters.ChoiceFilter(choices=Appearance.Status.choices)

    class Meta:
        model = Appearance
        fields = ["claim", "capture", "article", "anchor_status"]


class AnnotationFilter(StrictFilterSet):
    claim = IdFilter()
    status = django_filters.ChoiceFilter(choices=Annotation.Status.choices)
    author = TextFilter(field_name="author__username", max_length=USERNAME_MAX_LENGTH)
    verdict = django_filters.ChoiceFilter(choices=Annotation.Verdict.choices)
    tag = TextFilter(
        method="filter_tag", help_text="Tag slug.", max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN
    )

    class Meta:
        model = Annotation
        fields = ["claim", "status", "author", "verdict", "tag"]

    def filter_tag(self, queryset, name, value):
        return queryset.tagged(value)


class EvidenceFilter(StrictFilterSet):
    annotation = IdFilter()

    class Meta:
        model = Evidence
        fields = ["annotation"]
