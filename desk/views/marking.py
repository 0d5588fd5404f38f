"""Marking: a selected span (code-point offsets) or a pasted passage of a capture becomes an
appearance of a claim, new or already in the archive, through `services.mark_claim`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from annotations import rules, services
from annotations.models import Annotation, Appearance, Claim, Tag
from archive.models import Article, Capture
from archive.validation import add_to_form, as_text
from desk.forms import NEW_CLAIM, MarkClaimForm, QuoteLookupForm
from desk.views._shared import article_capture, claim_url

TEMPLATE = "annotations/mark_claim.html"


@login_required
def mark_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a selected span or a pasted passage as a claim, new or already in the archive,
    then go on to annotate it."""
    user = request.user
    rules.require(rules.can_create_claim(user), _("Only journalists and editors mark claims."))
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    source = request.POST if request.method == "POST" else request.GET
    capture = article_capture(article, source.get("capture"))
    # Tags to preselect when annotating (a suggested claim accepted from the reader).
    preselected = list(
        Tag.objects.filter(slug__in=source.getlist("tags")[:20]).values_list("slug", flat=True)
    )
    context = {"article": article, "capture": capture, "preselected_tags": preselected}
    if capture is None:
        context["error"] = _("This article has no capture yet, so there is no text to mark.")
        return render(request, TEMPLATE, context, status=400)

    form = None
    if request.method == "POST":
        form = MarkClaimForm(request.POST, user=user)
        if form.is_valid():
            # The form's fields are the service's arguments; the capture is the one looked up.
            data = {**form.cleaned_data, "capture": capture}
            try:
                appearance, _created = services.mark_claim(user=user, **data)
            except ValidationError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Claim marked."))
                return redirect(_after_marking(user, appearance.claim, preselected))
        span = _span(source)
    elif "find" in request.GET:
        lookup = QuoteLookupForm(request.GET)
        context["lookup_form"] = lookup
        span = _find(lookup, capture)
        if span is None:
            return render(request, TEMPLATE, context, status=400)
    else:
        span = _span(source)
    if span is None:
        context["lookup_form"] = QuoteLookupForm(initial={"capture": capture.pk})
        return render(request, TEMPLATE, context)

    start, end = span
    try:
        quote = services.quote_at(capture, start, end)
    except ValidationError as exc:
        context["error"] = _("%(error)s Select the passage again.") % {"error": as_text(exc)}
        return render(request, TEMPLATE, context, status=400)
    selected = source.get("selected")
    # Browsers collapse white space in the text of a selection they report.
    if selected is not None and " ".join(selected.split()) != " ".join(quote.split()):
        context["error"] = _(
            "The selection “%(selected)s” does not match the archived text at %(start)s–%(end)s "
            "(“%(quote)s”). Select the passage again."
        ) % {"selected": selected, "start": start, "end": end, "quote": quote}
        return render(request, TEMPLATE, context, status=400)

    if form is None:
        form = MarkClaimForm(
            initial={
                "capture": capture.pk,
                "start": start,
                "end": end,
                "quote": quote,
                "claim": NEW_CLAIM,
                "language": services.claim_language(capture),
            },
            user=user,
        )
    form.offer(Claim.objects.visible_to(user).similar_to(quote))
    prefix, suffix = services.quote_context(capture.text, start, end, services.SHOWN_CONTEXT_LENGTH)
    context.update(
        form=form,
        quote=quote,
        start=start,
        end=end,
        prefix=prefix,
        suffix=suffix,
        marked_here=set(
            Appearance.objects.filter(capture=capture, start=start, end=end).values_list(
                "claim_id", flat=True
            )
        ),
    )
    return render(request, TEMPLATE, context)


def _span(params) -> tuple[int, int] | None:
    start, end = params.get("start", ""), params.get("end", "")
    if start.isdigit() and end.isdigit():
        return int(start), int(end)
    return None


def _find(lookup: QuoteLookupForm, capture: Capture) -> tuple[int, int] | None:
    """The span of the passage `lookup` names, if it occurs exactly once in the capture;
    otherwise None, with the reason on the form."""
    if not lookup.is_valid():
        return None
    passage = lookup.cleaned_data["find"]
    count = capture.text.count(passage)
    if count != 1:
        lookup.add_error(
            "find",
            "This passage is not in the article's text; check it character by character "
            "(apostrophes and quotation marks included)."
            if count == 0
            else f"This passage occurs {count} times in the article; add a few words "
            "around it so that it points at one place.",
        )
        return None
    start = capture.text.index(passage)
    return start, start + len(passage)


def _after_marking(user, claim: Claim, tags: list[str] = ()) -> str:
    own = Annotation.objects.authored_by(user).filter(claim=claim).select_related("claim").first()
    if own is None:
        url = reverse("annotations:annotate", args=[claim.pk])
        return f"{url}?{urlencode({'tags': tags}, doseq=True)}" if tags else url
    if rules.can_edit_annotation(user, own):
        return reverse("annotations:annotation-edit", args=[own.pk])
    return claim_url(claim.pk, own.pk)
