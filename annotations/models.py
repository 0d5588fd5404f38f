"""Claims, where they appear, and the editors' assessments of them."""

import itertools
import operator
import re
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, gettext, pgettext_lazy
from rapidfuzz import fuzz

from accounts import roles
from archive.models import Capture, validate_language
from core.models import (
    CheckConstraint,
    SoftDeletableModel,
    SoftDeletableQuerySet,
    TimestampedModel,
    not_empty,
)

from . import (
    lookups,  # noqa: F401  (registers `__any` on foreign keys)
    visibility,
)
from .search import search_claims


def translated(default: str, translations: dict, language: str | None = None) -> str:
    """`default` (the interface's default language's text) in `language` (the active one if
    None): its entry in `translations` when there is one."""
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return translations.get(language) or default


def in_every_language(default: str, translations: dict) -> dict[str, str]:
    """The default language's text and its translations, by language code: the default
    first, then the others in code order (the same bytes whatever the database)."""
    return {settings.LANGUAGE_CODE: default} | dict(sorted(translations.items()))


class Tag(TimestampedModel):
    """A term of the shared vocabulary, curated by editors. `label` and `description` are in
    the interface's default language (English); `labels` and `descriptions` hold their
    translations into the other interface languages, by language code ({"fr": "…"})."""

    slug = models.SlugField(max_length=100, unique=True)
    label = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    labels = models.JSONField(
        default=dict, blank=True, help_text="The label in the other interface languages."
    )
    descriptions = models.JSONField(
        default=dict, blank=True, help_text="The description in the other interface languages."
    )
    category = models.CharField(
        max_length=100, blank=True, help_text="Groups related tags, e.g. “sourcing”."
    )

    class Meta:
        ordering = ["category", "label"]
        constraints = [
            not_empty("slug", "annotations_tag_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.label_in()

    def clean(self):
        super().clean()
        others = {code for code, _name in settings.LANGUAGES} - {settings.LANGUAGE_CODE}
        for field, longest in (("labels", 200), ("descriptions", None)):
            value = getattr(self, field)
            if not isinstance(value, dict):
                raise ValidationError({field: gettext("Give an object of texts by language code.")})
            for language, text in value.items():
                if language not in others:
                    raise ValidationError(
                        {
                            field: gettext(
                                "“%(language)s” is not an interface language to translate into; "
                                "use one of %(languages)s."
                            )
                            % {"language": language, "languages": ", ".join(sorted(others))}
                        }
                    )
                if not isinstance(text, str) or not text.strip():
                    raise ValidationError(
                        {field: gettext("Give a text for “%(language)s”.") % {"language": language}}
                    )
                if longest and len(text) > longest:
                    raise ValidationError(
                        {
                            field: gettext(
                                "The “%(language)s” text is longer than %(longest)s characters."
                            )
                            % {"language": language, "longest": longest}
                        }
                    )

    def label_in(self, language: str | None = None) -> str:
        """The label in `language` (the active one if None), else the default one."""
        return translated(self.label, self.labels, language)

    def description_in(self, language: str | None = None) -> str:
        return translated(self.description, self.descriptions, language)


# How many of the quote's longest words `similar_to` looks for, and how many candidates
# sharing them it reranks on PostgreSQL (the most trigram-similar).
SIMILAR_WORDS = 3
SIMILAR_CANDIDATES = 50


class ClaimQuerySet(SoftDeletableQuerySet):
    def visible_to(self, user: roles.AnyUser):
        """The claims `user` may see (`annotations.visibility.claims`)."""
        return self.filter(visibility.claims(user))

    def search(self, q: str):
        """Claims matching the free-text query `q`, annotated with `search_rank`."""
        return search_claims(self, q)

    def with_details(self, user: roles.AnyUser):
        """Claims with their appearances (capture, article, source) and the annotations
        `user` may see (author, tags, evidence), loaded in a fixed number of queries."""
        annotations = (
            Annotation.objects.visible_to(user).with_details().order_by("created_at", "pk")
        )
        # The capture's text can be long and is not needed to describe an appearance.
        appearances = (
            Appearance.objects.select_related("capture__article__source")
            .defer("capture__text", "capture__raw")
            .order_by("pk")
        )
        return self.select_related("created_by").prefetch_related(
            Prefetch("appearances", queryset=appearances),
            Prefetch("annotations", queryset=annotations, to_attr="visible_annotations"),
        )

    def with_creator(self):
        """Claims with their creator's username and only the columns the API's read
        representation uses (`publication.representations.claims_data` loads the rest)."""
        return self.select_related("created_by").only(
            "id",
            "text",
            "language",
            "claimant",
            "source_edits",
            "created_at",
            "updated_at",
            "created_by__username",
        )

    def source_edited(self, edited: bool = True):
        """Claims whose source was silently edited since they were checked (a non-empty
        `source_edits`), or, with `edited=False`, the others."""
        condition = Q(source_edits=[])
        return self.exclude(condition) if edited else self.filter(condition)

    def assessed(self, user: roles.AnyUser, **conditions):
        """Claims with at least one annotation `user` may see that meets all `conditions`
        (lookups on Annotation, e.g. tags__slug__in=[…], confidence__gte=0.5)."""
        matching = Annotation.objects.visible_to(user).filter(claim=OuterRef("pk"), **conditions)
        return self.filter(Exists(matching))

    def appearing(self, **conditions):
        """Claims with at least one appearance meeting `conditions` (lookups on Appearance,
        e.g. capture__article__source__slug="le-monde")."""
        return self.filter(Exists(Appearance.objects.filter(claim=OuterRef("pk"), **conditions)))

    def similar_to(self, quote: str, *, limit: int = 5) -> list["Claim"]:
        """Up to `limit` of these claims worded like `quote`, best first, ranked by token-set
        similarity. Candidates: claims quoting it verbatim, plus those sharing its longest
        words (see `_sharing_words`), the most trigram-similar first on PostgreSQL."""
        words = sorted(set(re.findall(r"\w{4,}", quote.lower())), key=lambda w: (-len(w), w))
        words = words[:SIMILAR_WORDS]
        if connections[self.db].vendor == "postgresql":
            quoting = Appearance.objects.using(self.db).filter(quote=quote).values("claim_id")
            exact = self.filter(pk__in=quoting).order_by("-updated_at")[:SIMILAR_CANDIDATES]
            similar = (
                self.filter(self._sharing_words(quote, words))
                .annotate(similarity=TrigramSimilarity("text", quote))
                .order_by("-similarity")[:SIMILAR_CANDIDATES]
            )
            candidates = {c.pk: c for c in [*similar, *exact]}.values()
        else:
            condition = Q(text__iexact=quote) | Exists(
                Appearance.objects.filter(claim=OuterRef("pk"), quote=quote)
            )
            for word in words:
                condition |= Q(text__icontains=word)
            candidates = self.filter(condition).order_by("-updated_at")[:200]
        scored = [
            (fuzz.token_set_ratio(quote.lower(), c.text.lower()), c.pk, c) for c in candidates
        ]
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [claim for score, _, claim in scored if score >= 60][:limit]

    def _sharing_words(self, quote: str, words: list[str]) -> Q:
        """On PostgreSQL: claims holding two of `words` (the quote's longest), or the one
        there is, or — a quote without a word of four letters — worded as the quote, case
        aside. Each condition is an ILIKE the trigram index (migration 0007) answers from the
        postings of the words' own trigrams; long words are rare words, so two of them
        leave a handful of claims. pg_trgm's `%` instead merges the postings of every
        trigram of the quote, most of them frequent: at a million claims it read and
        rechecked thousands of claims per quote (~0.3–2 s)."""
        escape = connections[self.db].ops.prep_for_like_query
        if not words:
            return Q(text__ilike=escape(quote))
        holds = [Q(text__ilike=f"%{escape(word)}%") for word in words]
        if len(holds) == 1:
            return holds[0]
        return reduce(operator.or_, (a & b for a, b in itertools.combinations(holds, 2)))


class Claim(TimestampedModel, SoftDeletableModel):
    """A checkable statement, independent of where it appears (schema.org `Claim`)."""

    text = models.TextField(help_text="A short normalised wording of the claim.")
    language = models.CharField(max_length=16, validators=[validate_language])
    claimant = models.CharField(
        max_length=300, blank=True, help_text="Who makes the claim, if known."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims"
    )
    source_edits = models.JSONField(
        default=list,
        # Rows written by other means than the ORM (bulk loads) have none.
        db_default=[],
        blank=True,
        editable=False,
        help_text="Silent edits of the sentences the claim was checked in, oldest "
        'first: {"at", "capture", "change": "reworded" | "removed", "before", '
        '"after"}, written by re-anchoring.',
    )

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            not_empty("text", "annotations_claim_text_not_empty", "A claim needs its wording."),
        ]
        indexes = [
            # updated_since filters and incremental exports.
            models.Index(fields=["updated_at", "id"], name="annotations_claim_updated"),
        ]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    def clean(self) -> None:
        self.text = " ".join((self.text or "").split())
        if not self.text:
            raise ValidationError({"text": "A claim needs its wording."})

    @property
    def source_edit_list(self) -> list[dict]:
        """`source_edits` for the pages: each with its time as a date-time (`at`), newest
        first."""
        return [
            edit | {"at": parse_datetime(edit["at"])} for edit in reversed(self.source_edits or [])
        ]


class Appearance(TimestampedModel):
    """Where a claim appears: a span of one capture's text, as code-point offsets and as the
    exact quote with its context (W3C TextPositionSelector + TextQuoteSelector)."""

    class Status(models.TextChoices):
        ANCHORED = (
            "anchored",
            pgettext_lazy("anchor status", "anchored"),
        )  # the quote is in the capture, verbatim
        CHANGED = (
            "changed",
            pgettext_lazy("anchor status", "wording changed"),
        )  # found again, but reworded: a silent edit
        ORPHANED = (
            "orphaned",
            pgettext_lazy("anchor status", "orphaned"),
        )  # not found in the article's latest capture

    class Method(models.TextChoices):
        SELECTION = "selection", pgettext_lazy("anchor method", "marked by hand")
        EXACT = "exact", pgettext_lazy("anchor method", "exact quote")
        CONTEXT = "context", pgettext_lazy("anchor method", "quote and context")
        FUZZY = "fuzzy", pgettext_lazy("anchor method", "fuzzy match")
        NONE = "none", pgettext_lazy("anchor method", "not found")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    capture = models.ForeignKey(Capture, on_delete=models.PROTECT, related_name="appearances")
    start = models.PositiveIntegerField(help_text="Offset of the first code point.")
    end = models.PositiveIntegerField(help_text="Offset after the last code point.")
    quote = models.TextField()
    prefix = models.TextField(blank=True)
    suffix = models.TextField(blank=True)
    anchor_status = models.CharField(max_length=10, choices=Status.choices, default=Status.ANCHORED)
    anchor_method = models.CharField(
        max_length=10, choices=Method.choices, default=Method.SELECTION
    )
    anchor_score = models.FloatField(
        default=1.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    reanchoring = models.BooleanField(
        default=False,
        # Rows written by other means than the ORM (bulk loads) are not being re-anchored.
        db_default=False,
        editable=False,
        help_text="Being moved onto the article's new capture by a background job.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appearances"
    )

    class Meta:
        ordering = ["capture", "start", "pk"]
        constraints = [
            CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=models.F("start")),
                name="annotations_appearance_valid_span",
                violation_error_message="A span must start at 0 or later and end after it starts.",
            ),
            not_empty(
                "quote", "annotations_appearance_quote_not_empty", "An appearance needs its quote."
            ),
            CheckConstraint(
                condition=Q(anchor_status__in=["anchored", "changed", "orphaned"]),
                name="annotations_appearance_status_valid",
            ),
            CheckConstraint(
                condition=Q(anchor_method__in=["selection", "exact", "context", "fuzzy", "none"]),
                name="annotations_appearance_method_valid",
            ),
            CheckConstraint(
                condition=Q(anchor_score__gte=0) & Q(anchor_score__lte=1),
                name="annotations_appearance_score_range",
            ),
            models.UniqueConstraint(
                fields=["claim", "capture", "start", "end"],
                name="annotations_appearance_unique_span",
                violation_error_message="This claim is already marked at this place.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} [{self.start}:{self.end}]"

    def clean(self) -> None:
        if self.start is None or self.end is None or self.capture_id is None:
            return
        if self.start < 0 or self.end <= self.start:
            raise ValidationError(
                {"end": "A span must start at 0 or later and end after it starts."}
            )
        text = self.capture.text
        if self.end > len(text):
            raise ValidationError(
                {
                    "end": f"The span {self.start}–{self.end} runs past the end of the capture "
                    f"({len(text)} characters)."
                }
            )
        expected = text[self.start : self.end]
        if self.quote != expected:
            raise ValidationError(
                {
                    "quote": f"The quote does not match the capture at {self.start}–{self.end}: "
                    f"the capture has “{expected}”, the quote given was “{self.quote}”."
                },
                code="quote_mismatch",
            )


class AppearanceAnchor(models.Model):
    """One anchoring of an appearance in one capture: where it was marked, and where each
    re-anchoring found it (or failed to). The earliest row holds the original wording, so a
    changed quote stays visible beside the new one."""

    appearance = models.ForeignKey(Appearance, on_delete=models.CASCADE, related_name="anchors")
    capture = models.ForeignKey(Capture, on_delete=models.PROTECT, related_name="+")
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    quote = models.TextField(blank=True, help_text="The text at start–end; empty if not found.")
    method = models.CharField(max_length=10, choices=Appearance.Method.choices)
    score = models.FloatField()
    status = models.CharField(max_length=10, choices=Appearance.Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appearance", "created_at", "pk"]
        constraints = [
            CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True) & Q(quote=""))
                | (Q(start__gte=0) & Q(end__gt=models.F("start")) & ~Q(quote="")),
                name="annotations_appearanceanchor_span_or_nothing",
            ),
            CheckConstraint(
                condition=Q(method__in=["selection", "exact", "context", "fuzzy", "none"]),
                name="annotations_appearanceanchor_method_valid",
            ),
            CheckConstraint(
                condition=Q(status__in=["anchored", "changed", "orphaned"]),
                name="annotations_appearanceanchor_status_valid",
            ),
            CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1),
                name="annotations_appearanceanchor_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appearance_id} in capture {self.capture_id}: {self.status}"


class AnnotationQuerySet(SoftDeletableQuerySet):
    def published(self):
        return self.alive().filter(status=Annotation.Status.PUBLISHED)

    def visible_to(self, user: roles.AnyUser):
        """The annotations `user` may see (`annotations.visibility.annotations`)."""
        return self.filter(visibility.annotations(user))

    def tagged(self, *slugs: str):
        return self.filter(tags__slug__in=slugs).distinct()

    def authored_by(self, user: roles.AnyUser):
        """The annotations `user` wrote that they may see (not those of removed claims,
        unless an editor)."""
        return self.visible_to(user).filter(author=user)

    def awaiting_review(self, user: roles.AnyUser):
        """Submitted annotations of living claims that `user` may review (not their own,
        unless an admin), with claim and author, oldest first."""
        queue = (
            self.alive()
            .filter(status=Annotation.Status.SUBMITTED, claim__deleted_at__isnull=True)
            .select_related("claim", "author")
            .order_by("updated_at", "pk")
        )
        if not roles.is_admin(user):
            queue = queue.exclude(author=user)
        return queue

    def with_details(self):
        """Annotations with their author, reviewer, tags and living evidence, loaded in a
        fixed number of queries."""
        return self.select_related("author", "reviewed_by").prefetch_related(
            "tags",
            Prefetch("evidence", queryset=Evidence.objects.alive().select_related("added_by")),
        )


class Annotation(TimestampedModel, SoftDeletableModel):
    """One editor's assessment of one claim."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("annotation status", "draft")
        SUBMITTED = "submitted", pgettext_lazy("annotation status", "submitted for review")
        PUBLISHED = "published", pgettext_lazy("annotation status", "published")
        RETURNED = "returned", pgettext_lazy("annotation status", "returned to author")
        RETRACTED = (
            "retracted",
            pgettext_lazy("annotation status", "retracted"),
        )  # withdrawn after publication, publicly

    class Verdict(models.TextChoices):
        ACCURATE = "accurate", pgettext_lazy("verdict", "accurate")
        MOSTLY_ACCURATE = "mostly-accurate", pgettext_lazy("verdict", "mostly accurate")
        MISLEADING = "misleading", pgettext_lazy("verdict", "misleading")
        FALSE = "false", pgettext_lazy("verdict", "false")
        UNVERIFIABLE = "unverifiable", pgettext_lazy("verdict", "unverifiable")

    # Once submitted, an annotation was made without seeing the others (blind mode).
    SUBMITTED_STATUSES = (Status.SUBMITTED, Status.PUBLISHED, Status.RETURNED)

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="annotations")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    tags = models.ManyToManyField(Tag, related_name="annotations", blank=True)
    confidence = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="How sure the author is, from 0 to 1.",
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    rationale = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviewed_annotations",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="annotations_annotation_confidence_range",
                violation_error_message="Confidence must be between 0 and 1.",
            ),
            CheckConstraint(
                condition=Q(
                    status__in=["draft", "submitted", "published", "returned", "retracted"]
                ),
                name="annotations_annotation_status_valid",
            ),
            CheckConstraint(
                condition=Q(
                    verdict__in=[
                        "",
                        "accurate",
                        "mostly-accurate",
                        "misleading",
                        "false",
                        "unverifiable",
                    ]
                ),
                name="annotations_annotation_verdict_valid",
            ),
            CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="annotations_annotation_published_has_date",
                violation_error_message="A published annotation needs its publication date.",
            ),
            CheckConstraint(
                condition=~Q(status="returned") | ~Q(review_comment=""),
                name="annotations_annotation_returned_has_comment",
                violation_error_message="Returning an annotation needs a comment for its author.",
            ),
            models.UniqueConstraint(
                fields=["claim", "author"],
                condition=Q(deleted_at__isnull=True),
                name="annotations_annotation_one_per_author",
                violation_error_message=(
                    "You have already annotated this claim: edit that annotation."
                ),
            ),
        ]
        indexes = [
            # Visibility filters: published annotations of a claim, and the review queue.
            models.Index(fields=["status", "claim"], name="annotations_annot_status"),
            models.Index(fields=["author", "status"], name="annotations_annot_author"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on “{self.claim}” ({self.status})"


class AssignmentQuerySet(models.QuerySet):
    def open_for(self, user: roles.AnyUser):
        """`user`'s assignments of living claims they have not yet submitted an annotation
        of, with claim and assigner, oldest first."""
        submitted = Annotation.objects.alive().filter(
            claim=OuterRef("claim_id"), author=user, status__in=Annotation.SUBMITTED_STATUSES
        )
        return (
            self.filter(assignee=user, claim__deleted_at__isnull=True)
            .exclude(Exists(submitted))
            .select_related("claim", "assigned_by")
            .order_by("created_at", "pk")
        )


class Assignment(TimestampedModel):
    """An editor asks a journalist to annotate a claim. While the assignment is blind, the
    journalist does not see the others' annotations of the claim until they have submitted
    their own (`annotations.visibility`), so the second opinion is independent."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    blind = models.BooleanField(
        default=True, help_text="Hide the others' annotations until the assignee submits."
    )
    show_published = models.BooleanField(
        default=False, help_text="In blind mode, still show the published annotations."
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "assignee"],
                name="annotations_assignment_one_per_assignee",
                violation_error_message="This journalist is already assigned this claim.",
            ),
        ]
        indexes = [
            # Visibility (blind mode) and the home page: a user's assignments by claim.
            models.Index(fields=["assignee", "claim"], name="annotations_assign_assignee"),
        ]

    def __str__(self) -> str:
        return f"{self.assignee} on “{self.claim}”"


class Evidence(SoftDeletableModel):
    """What backs an annotation: a link, a quote from an archived capture, or a document."""

    class Kind(models.TextChoices):
        URL = "url", pgettext_lazy("evidence kind", "link")
        CAPTURE = "capture", pgettext_lazy("evidence kind", "archived article")
        DOCUMENT = "document", pgettext_lazy("evidence kind", "document")

    class Stance(models.TextChoices):
        SUPPORTS = "supports", pgettext_lazy("stance", "supports")
        CONTRADICTS = "contradicts", pgettext_lazy("stance", "contradicts")
        CONTEXT = "context", pgettext_lazy("stance", "context")

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.URLField(max_length=2000, blank=True)
    capture = models.ForeignKey(
        Capture, on_delete=models.PROTECT, related_name="cited_by", null=True, blank=True
    )
    quote = models.TextField(blank=True)
    document = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    stance = models.CharField(max_length=12, choices=Stance.choices)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_added"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["created_at", "pk"]
        constraints = [
            CheckConstraint(
                condition=(
                    (Q(kind="url") & ~Q(url="") & Q(capture__isnull=True) & Q(document=""))
                    | (Q(kind="capture") & Q(capture__isnull=False) & Q(document=""))
                    | (Q(kind="document") & ~Q(document="") & Q(capture__isnull=True))
                ),
                name="annotations_evidence_kind_matches_fields",
                violation_error_message=(
                    "Evidence is a link (URL), an archived capture, or a document: give "
                    "exactly the field its kind needs."
                ),
            ),
            CheckConstraint(
                condition=Q(stance__in=["supports", "contradicts", "context"]),
                name="annotations_evidence_stance_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.stance})"

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.URL and not self.url:
            errors["url"] = "A link needs its URL."
        if self.kind == self.Kind.CAPTURE:
            if self.capture_id is None:
                errors["capture"] = "Choose the archived capture this evidence quotes."
            elif self.quote and self.quote not in self.capture.text:
                errors["quote"] = (
                    f"The quote “{self.quote}” is not in the text of capture {self.capture_id}."
                )
        if self.kind == self.Kind.DOCUMENT and not self.document:
            errors["document"] = "Attach the document."
        if errors:
            raise ValidationError(errors)


class CaptureAnalysis(models.Model):
    """What the offline analysis found in one capture's text (intelligence): computed when
    the capture is stored, or — for captures an import stores in batches — marked pending
    (`method` empty) then computed by a worker; recomputed by `manage.py analyse_captures`."""

    capture = models.OneToOneField(
        Capture, on_delete=models.CASCADE, primary_key=True, related_name="analysis"
    )
    language = models.CharField(max_length=16, blank=True, validators=[validate_language])
    foreign_spans = models.JSONField(
        default=list,
        blank=True,
        help_text="Foreign-language insertions: [{start, end, text, language, score}], "
        "code-point offsets into the capture's text.",
    )
    method = models.CharField(max_length=100, help_text="The detector and its version.")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "capture analyses"
        indexes = [
            # The workers' sweep for analyses still to be computed (intelligence.analysis).
            models.Index(
                fields=["computed_at"],
                condition=Q(method=""),
                name="annotations_analysis_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Analysis of capture {self.capture_id}"

    @property
    def pending(self) -> bool:
        """Not computed yet: its capture was stored by an import and a worker will analyse it."""
        return not self.method


class TagPattern(TimestampedModel):
    """A phrase that suggests a tag in one language, matched on lemmas ("aucune raison
    officielle" also matches "aucunes raisons officielles")."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="patterns")
    language = models.CharField(max_length=16, validators=[validate_language])
    phrase = models.CharField(max_length=300)

    class Meta:
        ordering = ["tag", "language", "phrase"]
        constraints = [
            models.UniqueConstraint(
                fields=["tag", "language", "phrase"],
                name="annotations_tagpattern_unique",
                violation_error_message="This tag already has this pattern in this language.",
            ),
            CheckConstraint(
                condition=~Q(phrase="") & ~Q(language=""),
                name="annotations_tagpattern_not_empty",
                violation_error_message="A pattern needs its phrase and its language.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag.slug} [{self.language}]: {self.phrase}"

    def clean(self) -> None:
        self.phrase = " ".join((self.phrase or "").split())
        if not self.phrase:
            raise ValidationError({"phrase": "A pattern needs its phrase."})


class PublishedClaim(models.Model):
    """The published read model (`publication.published`): the exact JSON of
    `GET /api/claims/<id>/` for an anonymous reader, for each claim such a reader may see. A
    claim they may not see has no row. Written by the services in the transaction of every
    change that affects it; `manage.py rebuild_published` recomputes it."""

    claim = models.OneToOneField(
        Claim, on_delete=models.CASCADE, primary_key=True, related_name="publication"
    )
    document = models.TextField(help_text="The claim as the API shows it to anyone (JSON).")

    def __str__(self) -> str:
        return f"Published claim {self.claim_id}"
