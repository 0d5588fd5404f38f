"""The journalists' pages: home, articles, the reader, marking claims, annotating, the review
queue and capture history. Views read through the QuerySet methods and write only through
`annotations.services`, which enforce `annotations.rules`; lookups 404 on anything the user
may not see."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from rapidfuzz import fuzz

from accounts import roles
from archive.diff import diff_texts
from archive.models import Article, Capture

from . import rules, services
from .filters import ArticleFilter, ClaimListFilter
from .forms import (
    AnnotationForm,
    EvidenceForm,
    MarkClaimForm,
    QuoteLookupForm,
    ReturnForm,
    add_service_error,
)
from .models import Annotation, Appearance, AppearanceAnchor, Claim, Evidence, Tag
from .reader import claim_status, claim_tag_labels, highlights_for, paragraphs

PAGE_SIZE = 25
STALE_MESSAGE = (
    "This annotation was changed elsewhere (it is now at version {version}) after you opened "
    "it, so your change was not saved. Check the current version and apply your change again."
)


# Lookups: only what the user may see; 404 otherwise.


def visible_claim(user, pk: int, queryset=None) -> Claim:
    queryset = queryset if queryset is not None else Claim.objects.all()
    return get_object_or_404(queryset.visible_to(user), pk=pk)


def visible_annotation(user, pk: int) -> Annotation:
    queryset = (
        Annotation.objects.visible_to(user)
        .filter(claim__deleted_at__isnull=True)
        .select_related("claim", "author")
    )
    return get_object_or_404(queryset, pk=pk)


def latest_capture(article: Article, capture_id: str | None = None) -> Capture | None:
    captures = article.captures.defer("raw").order_by("-captured_at", "-pk")
    if capture_id:
        if not capture_id.isdigit():
            raise Http404("No such capture of this article.")
        return get_object_or_404(captures, pk=capture_id)
    return captures.first()


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _claim_url(claim_id: int, annotation_id: int | None = None) -> str:
    url = reverse("annotations:claim-detail", args=[claim_id])
    return f"{url}#annotation-{annotation_id}" if annotation_id else url


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


# Reading


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = Annotation.objects.visible_to(user)
    context = {
        "articles": Article.objects.select_related("source").order_by("-created_at", "-pk")[:10],
        "tag_counts": Tag.objects.annotate(
            claim_count=Count(
                "annotations__claim",
                filter=Q(annotations__in=visible.values("pk")),
                distinct=True,
            )
        ).filter(claim_count__gt=0),
    }
    if user.is_authenticated:
        mine = Annotation.objects.alive().filter(author=user).select_related("claim")
        context["drafts"] = mine.filter(status=Annotation.Status.DRAFT)[:20]
        context["returned"] = mine.filter(status=Annotation.Status.RETURNED)[:20]
        context["my_submitted"] = mine.filter(status=Annotation.Status.SUBMITTED)[:20]
    if roles.is_editor(user):
        context["awaiting"] = _review_queue(user)[:20]
    return render(request, "annotations/home.html", context)


def article_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    claims_here = (
        Appearance.objects.filter(
            capture__article=OuterRef("pk"),
            claim__in=Claim.objects.visible_to(user).values("pk"),
        )
        .order_by()
        .values("capture__article")
        .annotate(n=Count("claim", distinct=True))
        .values("n")
    )
    articles = Article.objects.select_related("source").annotate(
        claim_count=Coalesce(Subquery(claims_here, output_field=IntegerField()), 0)
    )
    filterset = ArticleFilter(request.GET or None, queryset=articles, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "annotations/article_list.html",
        {"filter": filterset, "page": page, "query": _query_without_page(request)},
    )


def reader(request: HttpRequest, pk: int) -> HttpResponse:
    """An article's capture (the latest unless ?capture=) with its claims highlighted."""
    user = request.user
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    captures = list(article.captures.defer("text", "raw").order_by("-captured_at", "-pk"))
    capture = latest_capture(article, request.GET.get("capture"))
    appearances = []
    if capture is not None:
        appearances = list(
            Appearance.objects.filter(
                capture=capture, claim__in=Claim.objects.visible_to(user).values("pk")
            )
            .select_related("claim")
            .prefetch_related(
                Prefetch(
                    "claim__annotations",
                    queryset=Annotation.objects.visible_to(user).prefetch_related("tags"),
                    to_attr="visible_annotations",
                )
            )
            .order_by("start", "pk")
        )
    highlights = highlights_for(appearances)
    claims = {}
    for appearance in appearances:
        claims.setdefault(appearance.claim_id, appearance)
    context = {
        "article": article,
        "captures": captures,
        "capture": capture,
        "paragraphs": paragraphs(capture.text, highlights) if capture else [],
        "claims_here": [
            {
                "claim": a.claim,
                "appearance": a,
                "status": claim_status(a.claim),
                "tags": claim_tag_labels(a.claim),
            }
            for a in claims.values()
        ],
        "can_mark": rules.can_create_claim(user),
        "is_latest": bool(captures) and capture is not None and capture.pk == captures[0].pk,
    }
    return render(request, "annotations/reader.html", context)


def capture_history(request: HttpRequest, pk: int) -> HttpResponse:
    """An article's captures, and what changed between two of them (by default the last two),
    with the claims whose appearances moved, changed wording or were lost."""
    user = request.user
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    captures = list(article.captures.defer("text", "raw").order_by("-captured_at", "-pk"))
    by_id = {str(c.pk): c for c in captures}
    old_id = request.GET.get("from") or (str(captures[1].pk) if len(captures) > 1 else "")
    new_id = request.GET.get("to") or (str(captures[0].pk) if captures else "")
    context = {"article": article, "captures": captures, "old_id": old_id, "new_id": new_id}
    if old_id and new_id:
        if old_id not in by_id or new_id not in by_id:
            context["error"] = "Choose two captures of this article to compare."
        elif old_id == new_id:
            context["error"] = "Choose two different captures to compare."
        else:
            pair = {c.pk: c for c in Capture.objects.defer("raw").filter(pk__in=[old_id, new_id])}
            old, new = pair[int(old_id)], pair[int(new_id)]
            context.update(
                old=old,
                new=new,
                diff=diff_texts(old.text, new.text),
                appearance_changes=_appearance_changes(user, old, new),
            )
    return render(request, "annotations/capture_history.html", context)


def _appearance_changes(user, old: Capture, new: Capture) -> list[dict]:
    """Where each visible claim was anchored in `old` and in `new` — from the appearances'
    anchoring history, or their current place when never re-anchored — classified as same,
    moved, changed (reworded), orphaned, missing or new."""
    visible = Claim.objects.visible_to(user).values("pk")
    places: dict[tuple[int, int], dict] = {}
    for appearance in Appearance.objects.filter(
        capture__in=[old, new], claim__in=visible
    ).select_related("claim"):
        places[(appearance.pk, appearance.capture_id)] = {
            "claim": appearance.claim,
            "start": appearance.start,
            "quote": appearance.quote,
            "status": appearance.anchor_status,
        }
    for anchor in AppearanceAnchor.objects.filter(
        capture__in=[old, new], appearance__claim__in=visible
    ).select_related("appearance__claim"):
        places.setdefault(
            (anchor.appearance_id, anchor.capture_id),
            {
                "claim": anchor.appearance.claim,
                "start": anchor.start,
                "quote": anchor.quote,
                "status": anchor.status,
            },
        )
    changes = []
    for appearance_id in sorted({key[0] for key in places}):
        was, now = places.get((appearance_id, old.pk)), places.get((appearance_id, new.pk))
        if was is None:
            kind = "new"
        elif now is None:
            kind = "missing"
        elif now["status"] == Appearance.Status.ORPHANED:
            kind = "orphaned"
        elif now["quote"] != was["quote"] or now["status"] == Appearance.Status.CHANGED:
            kind = "changed"
        elif now["start"] != was["start"]:
            kind = "moved"
        else:
            kind = "same"
        claim = (was or now)["claim"]
        changes.append({"claim": claim, "before": was, "after": now, "kind": kind})
    return changes


def claim_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    claims = Claim.objects.visible_to(user).with_details(user).order_by("-updated_at", "-pk")
    filterset = ClaimListFilter(request.GET or None, queryset=claims, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"claim": c, "status": claim_status(c), "tags": claim_tag_labels(c)}
        for c in page.object_list
    ]
    return render(
        request,
        "annotations/claim_list.html",
        {"filter": filterset, "page": page, "rows": rows, "query": _query_without_page(request)},
    )


def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim, where it appears and the annotations the user may see; as the reader's side
    panel for htmx requests."""
    user = request.user
    claim = visible_claim(user, pk, Claim.objects.with_details(user))
    annotations = [
        {
            "annotation": a,
            "can_edit": rules.can_edit_annotation(user, a),
            "can_review": rules.can_review_annotation(user, a)
            and a.status == Annotation.Status.SUBMITTED,
            "can_retract": rules.can_review_annotation(user, a)
            and a.status == Annotation.Status.PUBLISHED,
        }
        for a in claim.visible_annotations
    ]
    own = next((a for a in claim.visible_annotations if a.author_id == user.pk), None)
    context = {
        "claim": claim,
        "annotations": annotations,
        "status": claim_status(claim),
        "can_annotate": rules.can_annotate(user) and own is None,
        "return_form": ReturnForm(),
    }
    template = "annotations/claim_detail.html"
    if request.htmx:
        template += "#claim-panel"
    return render(request, template, context)


# Marking claims


def similar_claims(user, quote: str, *, limit: int = 5) -> list[Claim]:
    """Claims in the archive worded like `quote`, best first: candidates sharing its longest
    words (or quoted verbatim somewhere), ranked by token-set similarity."""
    words = sorted(set(re.findall(r"\w{4,}", quote.lower())), key=len, reverse=True)[:4]
    condition = Q(text__iexact=quote) | Exists(
        Appearance.objects.filter(claim=OuterRef("pk"), quote=quote)
    )
    for word in words:
        condition |= Q(text__icontains=word)
    candidates = Claim.objects.visible_to(user).filter(condition).order_by("-updated_at")[:200]
    scored = [(fuzz.token_set_ratio(quote.lower(), c.text.lower()), c.pk, c) for c in candidates]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [claim for score, _, claim in scored if score >= 60][:limit]


@login_required
def mark_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a selected span (code-point offsets) or a pasted passage as a claim, new or
    already in the archive, then go on to annotate it."""
    user = request.user
    rules.require(rules.can_create_claim(user), "Only journalists and editors mark claims.")
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    source = request.POST if request.method == "POST" else request.GET
    capture = latest_capture(article, source.get("capture"))
    context = {"article": article, "capture": capture}
    if capture is None:
        context["error"] = "This article has no capture yet, so there is no text to mark."
        return render(request, "annotations/mark_claim.html", context, status=400)

    if request.method == "GET" and "find" in request.GET:
        lookup = QuoteLookupForm(request.GET)
        context["lookup_form"] = lookup
        if not lookup.is_valid():
            return render(request, "annotations/mark_claim.html", context, status=400)
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
            return render(request, "annotations/mark_claim.html", context, status=400)
        start = capture.text.index(passage)
        span = (start, start + len(passage))
    else:
        span = _span(source)
        if span is None:
            context["lookup_form"] = QuoteLookupForm(initial={"capture": capture.pk})
            return render(request, "annotations/mark_claim.html", context)

    start, end = span
    if not (0 <= start < end <= len(capture.text)):
        context["error"] = (
            f"The selection {start}–{end} is outside the article's text "
            f"({len(capture.text)} characters). Select the passage again."
        )
        return render(request, "annotations/mark_claim.html", context, status=400)
    quote = capture.text[start:end]
    selected = source.get("selected")
    if selected is not None and " ".join(selected.split()) != " ".join(quote.split()):
        context["error"] = (
            f"The selection “{selected}” does not match the archived text at {start}–{end} "
            f"(“{quote}”). Select the passage again."
        )
        return render(request, "annotations/mark_claim.html", context, status=400)

    similar = similar_claims(user, quote)
    posted_claim = request.POST.get("claim", "")
    if posted_claim.isdigit() and all(str(c.pk) != posted_claim for c in similar):
        similar += list(Claim.objects.visible_to(user).filter(pk=posted_claim))
    initial = {
        "capture": capture.pk,
        "start": start,
        "end": end,
        "quote": quote,
        "claim": "new",
        "language": article.language or (article.source.language if article.source else ""),
    }
    if request.method == "POST":
        form = MarkClaimForm(request.POST, similar=similar)
        if form.is_valid():
            try:
                appearance = _mark(user, capture, form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Claim marked.")
                return redirect(_after_marking(user, appearance.claim))
    else:
        form = MarkClaimForm(initial=initial, similar=similar)
    marked_here = {
        a.claim_id
        for a in Appearance.objects.filter(capture=capture, start=start, end=end).only("claim")
    }
    context.update(
        form=form,
        quote=quote,
        start=start,
        end=end,
        prefix=capture.text[max(0, start - 80) : start],
        suffix=capture.text[end : end + 80],
        marked_here=marked_here,
    )
    return render(request, "annotations/mark_claim.html", context)


def _span(params) -> tuple[int, int] | None:
    start, end = params.get("start", ""), params.get("end", "")
    if start.isdigit() and end.isdigit():
        return int(start), int(end)
    return None


@transaction.atomic
def _mark(user, capture: Capture, data: dict) -> Appearance:
    if data["quote"] != capture.text[data["start"] : data["end"]]:
        raise ValidationError(
            {"quote": "The article's text at this place is not the passage shown; select again."}
        )
    claim = None
    if data["claim"] is not None:
        claim = visible_claim(user, data["claim"])
        existing = Appearance.objects.filter(
            claim=claim, capture=capture, start=data["start"], end=data["end"]
        ).first()
        if existing is not None:
            # Already marked here: marking again means going on to annotate it.
            return existing
    return services.mark_claim(
        user=user,
        capture=capture,
        start=data["start"],
        end=data["end"],
        quote=data["quote"],
        claim=claim,
        text=data["text"],
        language=data["language"],
        claimant=data["claimant"],
    )


def _after_marking(user, claim: Claim) -> str:
    own = Annotation.objects.alive().filter(claim=claim, author=user).first()
    if own is None:
        return reverse("annotations:annotate", args=[claim.pk])
    if own.is_editable:
        return reverse("annotations:annotation-edit", args=[own.pk])
    return _claim_url(claim.pk, own.pk)


# Annotating


@login_required
def annotate(request: HttpRequest, pk: int) -> HttpResponse:
    """The user's own assessment of a claim: tags, confidence, verdict, rationale and a first
    piece of evidence, saved as a draft or submitted for review."""
    user = request.user
    claim = visible_claim(user, pk, Claim.objects.with_details(user))
    rules.require(rules.can_annotate(user), "Only journalists and editors annotate claims.")
    own = next((a for a in claim.visible_annotations if a.author_id == user.pk), None)
    if own is not None:
        messages.info(request, "You have already annotated this claim: here is your annotation.")
        if own.is_editable:
            return redirect("annotations:annotation-edit", own.pk)
        return redirect(_claim_url(claim.pk, own.pk))
    form = AnnotationForm(request.POST or None)
    evidence_form = EvidenceForm(request.POST or None, prefix="evidence", required=False)
    # "&", not "and": validate both forms so that every error shows at once.
    if request.method == "POST" and form.is_valid() & evidence_form.is_valid():
        try:
            with transaction.atomic():
                annotation = services.create_annotation(
                    user=user,
                    claim=claim,
                    confidence=form.confidence_decimal,
                    tags=form.cleaned_data["tags"],
                    verdict=form.cleaned_data["verdict"],
                    rationale=form.cleaned_data["rationale"],
                )
                _save_evidence_and_maybe_submit(request, annotation, evidence_form)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect(_claim_url(claim.pk, annotation.pk))
    return render(
        request,
        "annotations/annotation_form.html",
        {"claim": claim, "form": form, "evidence_form": evidence_form, "annotation": None},
    )


def _add_evidence(user, annotation: Annotation, form: EvidenceForm) -> None:
    """Add the evidence `form` describes; a refusal is shown on the form and re-raised."""
    data = form.cleaned_data
    try:
        services.add_evidence(
            user=user,
            annotation=annotation,
            stance=data["stance"],
            url=data["url"],
            capture=data["capture"],
            quote=data["quote"],
            note=data["note"],
        )
    except ValidationError as exc:
        add_service_error(form, exc)
        raise


def _save_evidence_and_maybe_submit(
    request: HttpRequest, annotation: Annotation, evidence_form: EvidenceForm
) -> None:
    if not evidence_form.is_blank:
        _add_evidence(request.user, annotation, evidence_form)
    if request.POST.get("action") == "submit":
        services.submit_annotation(user=request.user, annotation=annotation)
        messages.success(request, "Submitted for review: an editor will publish it or return it.")
    else:
        messages.success(request, "Draft saved. Only you and the editors can see it.")


@login_required
def annotation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    annotation = visible_annotation(user, pk)
    rules.require(
        rules.can_edit_annotation(user, annotation),
        "You can edit only your own annotations, and only while they are drafts or returned.",
    )
    claim = visible_claim(user, annotation.claim_id, Claim.objects.with_details(user))
    if request.method == "POST":
        form = AnnotationForm(request.POST)
        evidence_form = EvidenceForm(request.POST, prefix="evidence", required=False)
        if form.is_valid() & evidence_form.is_valid():
            try:
                with transaction.atomic():
                    services.update_annotation(
                        user=user,
                        annotation=annotation,
                        expected_version=form.cleaned_data["version"],
                        confidence=form.confidence_decimal,
                        tags=form.cleaned_data["tags"],
                        verdict=form.cleaned_data["verdict"],
                        rationale=form.cleaned_data["rationale"],
                    )
                    _save_evidence_and_maybe_submit(request, annotation, evidence_form)
            except services.StaleVersionError as exc:
                data = request.POST.copy()
                data["version"] = exc.annotation.version
                form = AnnotationForm(data)
                form.is_valid()
                form.add_error(None, STALE_MESSAGE.format(version=exc.annotation.version))
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return redirect(_claim_url(annotation.claim_id, annotation.pk))
    else:
        form = AnnotationForm(initial=AnnotationForm.initial_for(annotation))
        evidence_form = EvidenceForm(prefix="evidence", required=False)
    return render(
        request,
        "annotations/annotation_form.html",
        {
            "claim": claim,
            "form": form,
            "evidence_form": evidence_form,
            "annotation": annotation,
            "evidence": annotation.evidence.alive().select_related("capture__article"),
        },
    )


@login_required
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    annotation = visible_annotation(user, pk)
    rules.require(
        rules.can_add_evidence(user, annotation),
        "You can add evidence only to your own annotations while they are drafts or returned.",
    )
    form = EvidenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _add_evidence(user, annotation, form)
        except ValidationError:
            pass
        else:
            messages.success(request, "Evidence added.")
            return redirect(_claim_url(annotation.claim_id, annotation.pk))
    return render(
        request, "annotations/evidence_form.html", {"annotation": annotation, "form": form}
    )


def _transition(request: HttpRequest, pk: int, action) -> HttpResponse:
    """Run a workflow service on an annotation and go back, reporting conflicts kindly."""
    annotation = visible_annotation(request.user, pk)
    default = _claim_url(annotation.claim_id, annotation.pk)
    try:
        action(annotation)
    except services.StaleVersionError as exc:
        messages.error(request, STALE_MESSAGE.format(version=exc.annotation.version))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_next_url(request, default))


@login_required
@require_POST
def annotation_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def submit(annotation):
        services.submit_annotation(
            user=request.user, annotation=annotation, expected_version=_version(request)
        )
        messages.success(request, "Submitted for review.")

    return _transition(request, pk, submit)


@login_required
@require_POST
def annotation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    def publish(annotation):
        services.publish_annotation(
            user=request.user, annotation=annotation, expected_version=_version(request)
        )
        messages.success(request, f"Published {annotation.author}'s annotation.")

    return _transition(request, pk, publish)


@login_required
@require_POST
def annotation_return(request: HttpRequest, pk: int) -> HttpResponse:
    def send_back(annotation):
        services.return_annotation(
            user=request.user,
            annotation=annotation,
            comment=request.POST.get("comment", ""),
            expected_version=_version(request),
        )
        messages.success(request, f"Returned to {annotation.author} with your comment.")

    return _transition(request, pk, send_back)


# Review


def _review_queue(user):
    queue = (
        Annotation.objects.alive()
        .filter(status=Annotation.Status.SUBMITTED, claim__deleted_at__isnull=True)
        .select_related("claim", "author")
        .order_by("updated_at", "pk")
    )
    if not roles.is_admin(user):
        queue = queue.exclude(author=user)
    return queue


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted annotations awaiting an editor, oldest first."""
    user = request.user
    if not roles.is_editor(user):
        raise PermissionDenied("The review queue is for editors.")
    queue = _review_queue(user).prefetch_related(
        "tags",
        Prefetch("evidence", queryset=Evidence.objects.alive()),
        Prefetch(
            "claim__appearances",
            queryset=Appearance.objects.select_related("capture__article").order_by("pk"),
        ),
    )
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "annotations/review_queue.html",
        {"page": page, "return_form": ReturnForm()},
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
