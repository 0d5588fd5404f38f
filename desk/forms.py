"""Forms of the journalists' pages. They validate input; the writes go through
`annotations.services`."""

import re
from decimal import Decimal
from urllib.parse import urlparse

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts import roles
from annotations.models import Annotation, Claim, Evidence, Tag
from archive.forms import web_address_field
from archive.models import LANGUAGE_CHOICES, Article, Capture

ARTICLE_PATH_RE = re.compile(r"^/articles/(\d+)/")


NEW_CLAIM = "new"


class ClaimChoiceField(forms.ModelChoiceField):
    """A claim from the field's queryset, or NEW_CLAIM (cleaned to None): a claim to create."""

    def to_python(self, value):
        return None if value == NEW_CLAIM else super().to_python(value)


class MarkClaimForm(forms.Form):
    """A span of a capture (code-point offsets + the quote shown to the user) and the claim it
    is an appearance of: a new one, or one already in the archive that `user` may see."""

    capture = forms.IntegerField(widget=forms.HiddenInput)
    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quote = forms.CharField(strip=False, widget=forms.HiddenInput)
    claim = ClaimChoiceField(
        queryset=Claim.objects.none(),
        label=_("This passage states"),
        widget=forms.RadioSelect,
        required=False,
        initial=NEW_CLAIM,
    )
    text = forms.CharField(
        label=_("Wording of the new claim"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short, neutral wording; the quote if left empty."),
    )
    language = forms.ChoiceField(label=_("Language of the claim"), choices=LANGUAGE_CHOICES)
    claimant = forms.CharField(
        label=_("Who makes the claim (optional)"), required=False, max_length=300
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = Claim.objects.visible_to(user)
        self.offer([])

    def offer(self, similar: list[Claim]) -> None:
        """Show `similar` claims (and the one chosen, if valid) as the choices beside a new
        claim; any claim the user may see is accepted."""
        chosen = getattr(self, "cleaned_data", {}).get("claim")
        self.similar = list(similar)
        if chosen is not None and chosen not in self.similar:
            self.similar.append(chosen)
        self.fields["claim"].widget.choices = [(NEW_CLAIM, gettext("a new claim"))] + [
            (c.pk, c.text) for c in self.similar
        ]

    def clean_quote(self):
        # Browsers submit line breaks in form values as CRLF; captures use LF.
        return self.cleaned_data["quote"].replace("\r\n", "\n")


class AnnotationForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        required=False,
        label=_("Tags"),
    )
    confidence = forms.IntegerField(
        label=_("Confidence"),
        min_value=0,
        max_value=100,
        initial=50,
        widget=forms.NumberInput(attrs={"type": "range", "step": 1}),
        help_text=_("How sure you are, from 0 % to 100 %."),
    )
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        required=False,
        choices=[("", pgettext_lazy("verdict", "no verdict yet")), *Annotation.Verdict.choices],
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why you assess the claim this way; readers see it once published."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Why it changes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("This annotation is published: its history keeps the reason."),
    )

    def __init__(self, *args, ask_reason: bool = False, **kwargs):
        """`ask_reason`: the change must say why (the table of transitions says when)."""
        super().__init__(*args, **kwargs)
        if not ask_reason:
            del self.fields["reason"]
        tags = list(Tag.objects.all())
        # One query for the vocabulary, reused for the choices and the picker.
        self.fields["tags"].choices = [(t.slug, t.label_in()) for t in tags]
        self.vocabulary = tags

    def selected_tags(self) -> set[str]:
        value = self.data.getlist("tags") if self.is_bound else self.initial.get("tags", [])
        return set(value)

    @property
    def confidence_decimal(self) -> Decimal:
        return Decimal(self.cleaned_data["confidence"]) / 100

    @classmethod
    def initial_for(cls, annotation: Annotation) -> dict:
        return {
            "tags": [t.slug for t in annotation.tags.all()],
            "confidence": round(annotation.confidence * 100),
            "verdict": annotation.verdict,
            "rationale": annotation.rationale,
            "version": annotation.version,
        }


class EvidenceForm(forms.Form):
    """A link, or a quote of an archived article (its latest capture)."""

    url = web_address_field(_("Link"), _("A page that backs or contradicts the claim."))
    article = forms.CharField(
        label=_("Or an archived article"),
        required=False,
        help_text=_(
            "Its number or its address in Claimdesk (e.g. /articles/12/), or its canonical URL."
        ),
    )
    quote = forms.CharField(
        label=_("Quote from that article"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        strip=False,
    )
    stance = forms.ChoiceField(
        label=_("Stance"), choices=Evidence.Stance.choices, initial=Evidence.Stance.SUPPORTS
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("url") or data.get("capture") or data.get("quote") or data.get("note"))

    def clean_article(self) -> Capture | None:
        value = self.cleaned_data["article"].strip()
        if not value:
            return None
        path = urlparse(value).path if "/" in value else ""
        match = ARTICLE_PATH_RE.match(path) if path else None
        if value.isdigit() or match:
            article = Article.objects.filter(pk=int(match.group(1) if match else value)).first()
        else:
            article = Article.objects.filter(url=value).first()
        if article is None:
            raise ValidationError(gettext("No archived article is “%(value)s”.") % {"value": value})
        try:
            return article.captures.defer("raw").latest()
        except Capture.DoesNotExist:
            raise ValidationError(
                gettext("The article “%(article)s” has no capture to quote.") % {"article": article}
            ) from None

    def clean(self):
        data = super().clean()
        data["capture"] = data.pop("article", None)
        url, capture = data.get("url"), data.get("capture")
        if url and capture:
            raise ValidationError(gettext("Give a link or an archived article, not both."))
        if self.required and not (url or capture) and not self.errors:
            raise ValidationError(gettext("Give a link or an archived article."))
        if not self.required and not (url or capture) and (data.get("quote") or data.get("note")):
            raise ValidationError(gettext("The evidence needs a link or an archived article."))
        if capture is None and data.get("quote"):
            self.add_error("quote", gettext("A quote needs the archived article it comes from."))
        return data


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the author change?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class QuoteLookupForm(forms.Form):
    """The keyboard and no-JavaScript way to mark a claim: paste the passage."""

    capture = forms.IntegerField(widget=forms.HiddenInput)
    find = forms.CharField(
        label=_("Passage to mark"),
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Paste or type the passage exactly as the article has it."),
    )


class AssignForm(forms.Form):
    """Claims to assign (one from the claim page, several from the claims list) and the
    journalists to ask, with blind mode on by default."""

    claims = forms.ModelMultipleChoiceField(
        queryset=Claim.objects.alive(), widget=forms.MultipleHiddenInput
    )
    assignees = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Ask"), widget=forms.CheckboxSelectMultiple
    )
    blind = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Blind"),
        help_text=_("They do not see the others' annotations until they submit their own."),
    )
    show_published = forms.BooleanField(
        required=False,
        label=_("Show published"),
        help_text=_("In blind mode, still show published ones."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignees"].queryset = roles.journalists()


class TagPatternForm(forms.Form):
    """A phrase that suggests a tag in one language, as the tag page adds it."""

    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    phrase = forms.CharField(
        label=_("Phrase"),
        max_length=300,
        help_text=_("Matched on lemmas: “aucune raison officielle” also matches its inflections."),
    )


class TagTranslationsForm(forms.Form):
    """A tag's label and description in each interface language other than the default one
    (`label_fr`, `description_fr`), as the tag page sets them; blank removes a translation."""

    def __init__(self, *args, tag: Tag, **kwargs):
        kwargs.setdefault("initial", {})
        for language in translation_languages():
            kwargs["initial"].setdefault(f"label_{language}", tag.labels.get(language, ""))
            kwargs["initial"].setdefault(
                f"description_{language}", tag.descriptions.get(language, "")
            )
        super().__init__(*args, **kwargs)
        self.tag = tag
        for language in translation_languages():
            name = get_language_info(language)["name_translated"]
            self.fields[f"label_{language}"] = forms.CharField(
                label=gettext("Label in %(language)s") % {"language": name},
                max_length=200,
                required=False,
            )
            self.fields[f"description_{language}"] = forms.CharField(
                label=gettext("Description in %(language)s") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def translations(self) -> dict[str, dict[str, str]]:
        """The service's `labels` and `descriptions` from the cleaned data."""
        return {
            field + "s": {
                language: self.cleaned_data[f"{field}_{language}"]
                for language in translation_languages()
            }
            for field in ("label", "description")
        }


def translation_languages() -> list[str]:
    """The interface languages a tag's label and description are translated into."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class WatchForm(forms.Form):
    """A new watch: its address, what it is, the source its articles go under, how often."""

    INTERVALS = [
        (300, pgettext_lazy("watch interval", "every 5 minutes")),
        (900, pgettext_lazy("watch interval", "every 15 minutes")),
        (1800, pgettext_lazy("watch interval", "every 30 minutes")),
        (3600, pgettext_lazy("watch interval", "every hour")),
        (21600, pgettext_lazy("watch interval", "every 6 hours")),
        (86400, pgettext_lazy("watch interval", "every day")),
    ]

    url = forms.URLField(
        label=_("Web address"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("A feed (RSS or Atom) or a page, starting with https:// or http://."),
    )
    kind = forms.ChoiceField(
        label=_("What it is"),
        choices=[
            ("feed", pgettext_lazy("watch kind", "A feed: archive each new item")),
            ("page", pgettext_lazy("watch kind", "A page: capture it again when it changes")),
        ],
        initial="feed",
        widget=forms.RadioSelect,
    )
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=None,
        required=False,
        empty_label=pgettext_lazy("source", "None"),
        to_field_name="slug",
        help_text=_("The outlet its articles are archived under."),
    )
    interval_seconds = forms.TypedChoiceField(
        label=_("Check"), choices=INTERVALS, coerce=int, initial=3600
    )

    def __init__(self, *args, **kwargs):
        from archive.models import Source

        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Source.objects.order_by("name")
