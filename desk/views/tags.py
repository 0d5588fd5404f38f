"""The tag vocabulary page: every tag with its patterns per language, which editors add to
and remove from here, and its label and description in the other interface languages, which
editors set here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotations import rules, services
from annotations.models import Tag, TagPattern
from archive.validation import as_text
from desk.forms import TagPatternForm, TagTranslationsForm


def _form(tag: Tag, data=None) -> TagPatternForm:
    # One form per tag on the page: ids carry the slug so that they stay unique.
    return TagPatternForm(data, auto_id=f"pattern-{tag.slug}-%s")


def _translations_form(tag: Tag, data=None) -> TagTranslationsForm:
    return TagTranslationsForm(data, tag=tag, auto_id=f"translations-{tag.slug}-%s")


def _page(
    request: HttpRequest,
    invalid: TagPatternForm | TagTranslationsForm | None = None,
    status: int = 200,
):
    tags = list(Tag.objects.order_by("category", "label").prefetch_related("patterns"))
    can_curate = rules.can_curate_tags(request.user)
    if can_curate:
        for tag in tags:
            mine = invalid is not None and invalid.tag == tag
            tag.pattern_form = (
                invalid if mine and isinstance(invalid, TagPatternForm) else _form(tag)
            )
            tag.translations_form = (
                invalid
                if mine and isinstance(invalid, TagTranslationsForm)
                else _translations_form(tag)
            )
    context = {"tags": tags, "can_curate": can_curate}
    return render(request, "annotations/tag_list.html", context, status=status)


def tag_list(request: HttpRequest) -> HttpResponse:
    """The vocabulary, grouped by category, with the phrases that suggest each tag."""
    return _page(request)


def _back(tag: Tag) -> HttpResponse:
    return redirect(f"{reverse('annotations:tag-list')}#tag-{tag.slug}")


@login_required
@require_POST
def pattern_add(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    form = _form(tag, request.POST)
    form.tag = tag
    if form.is_valid():
        try:
            pattern = services.save_tag_pattern(user=request.user, tag=tag, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, as_text(exc))
        else:
            messages.success(
                request,
                _("“%(tag)s” now suggested by “%(phrase)s”.")
                % {"tag": tag.label_in(), "phrase": pattern.phrase},
            )
            return _back(tag)
    return _page(request, invalid=form, status=400)


@login_required
@require_POST
def pattern_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    pattern = get_object_or_404(TagPattern.objects.select_related("tag"), tag__slug=slug, pk=pk)
    services.delete_tag_pattern(user=request.user, pattern=pattern)
    messages.success(
        request,
        _("Removed “%(phrase)s” from “%(tag)s”.")
        % {"phrase": pattern.phrase, "tag": pattern.tag.label_in()},
    )
    return _back(pattern.tag)


@login_required
@require_POST
def translations_set(request: HttpRequest, slug: str) -> HttpResponse:
    """Set the tag's label and description in the other interface languages."""
    tag = get_object_or_404(Tag, slug=slug)
    form = _translations_form(tag, request.POST)
    if form.is_valid():
        try:
            services.save_tag(
                user=request.user,
                tag=tag,
                slug=tag.slug,
                label=tag.label,
                description=tag.description,
                category=tag.category,
                **form.translations(),
            )
        except ValidationError as exc:
            form.add_error(None, as_text(exc))
        else:
            messages.success(
                request, _("Saved the translations of “%(tag)s”.") % {"tag": tag.label_in()}
            )
            return _back(tag)
    return _page(request, invalid=form, status=400)
