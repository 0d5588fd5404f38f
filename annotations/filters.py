"""Filters of the articles and claims lists (django-filter). Every condition on annotations
applies to the annotations the user may see, and all of them to the same annotation: "tag X
and status published" means one published annotation tagged X."""

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from archive.models import LANGUAGE_CHOICES, Article, Capture, Source

from .models import Annotation, Appearance, Claim, Tag


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search title and text", method="search")
    source = django_filters.ModelChoiceFilter(
        label="Source",
        queryset=Source.objects.all(),
        to_field_name="slug",
        empty_label="any source",
    )
    language = django_filters.ChoiceFilter(
        label="Language", choices=LANGUAGE_CHOICES, empty_label="any language"
    )
    tag = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        empty_label="any tag",
        method="tagged",
        label="Tag",
    )
    has_claims = django_filters.BooleanFilter(
        method="with_claims",
        label="Claims",
        widget=forms.Select(
            choices=[("", "with or without"), ("true", "with"), ("false", "without")]
        ),
    )

    class Meta:
        model = Article
        fields = ["q", "source", "language", "tag", "has_claims"]

    def search(self, queryset, name, value):
        in_text = Capture.objects.filter(article=OuterRef("pk"), text__icontains=value)
        return queryset.filter(Q(title__icontains=value) | Exists(in_text))

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


class ClaimFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        low, high = data.get("min_confidence"), data.get("max_confidence")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(
                f"The confidence range is empty: from {low} % is above up to {high} %."
            )
        return data


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search wording and quotes")
    tag = django_filters.ModelMultipleChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        label="Tags (any of)",
        widget=forms.CheckboxSelectMultiple,
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=Annotation.Status.choices, empty_label="any status"
    )
    verdict = django_filters.ChoiceFilter(
        label="Verdict", choices=Annotation.Verdict.choices, empty_label="any verdict"
    )
    source = django_filters.ModelChoiceFilter(
        label="Source",
        queryset=Source.objects.all(),
        to_field_name="slug",
        empty_label="any source",
    )
    min_confidence = django_filters.NumberFilter(
        label="Confidence from (%)", min_value=0, max_value=100
    )
    max_confidence = django_filters.NumberFilter(
        label="Confidence up to (%)", min_value=0, max_value=100
    )
    author = django_filters.CharFilter(label="Annotated by (login)")

    class Meta:
        model = Claim
        form = ClaimFilterForm
        fields = [
            "q",
            "tag",
            "status",
            "verdict",
            "source",
            "min_confidence",
            "max_confidence",
            "author",
        ]

    def filter_queryset(self, queryset):
        if self.form.non_field_errors():
            return queryset.none()
        data = self.form.cleaned_data
        user = self.request.user
        condition = Q()
        if data.get("tag"):
            condition &= Q(tags__in=data["tag"])
        if data.get("status"):
            condition &= Q(status=data["status"])
        if data.get("verdict"):
            condition &= Q(verdict=data["verdict"])
        if data.get("min_confidence") is not None:
            condition &= Q(confidence__gte=Decimal(data["min_confidence"]) / 100)
        if data.get("max_confidence") is not None:
            condition &= Q(confidence__lte=Decimal(data["max_confidence"]) / 100)
        if data.get("author"):
            condition &= Q(author__username=data["author"].strip())
        if condition:
            annotations = Annotation.objects.visible_to(user).filter(condition)
            queryset = queryset.filter(Exists(annotations.filter(claim=OuterRef("pk"))))
        if data.get("source"):
            appearances = Appearance.objects.filter(
                claim=OuterRef("pk"), capture__article__source=data["source"]
            )
            queryset = queryset.filter(Exists(appearances))
        if data.get("q"):
            value = data["q"].strip()
            quoted = Appearance.objects.filter(claim=OuterRef("pk"), quote__icontains=value)
            queryset = queryset.filter(Q(text__icontains=value) | Exists(quoted))
        return queryset
