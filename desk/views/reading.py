"""Reading: home, the articles list, the reader, capture history, and the claims list and
detail."""

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts import roles
from accounts.people import display_name
from annotations import rules, visibility
from annotations.filters import ArticleFilter, ClaimListFilter
from annotations.models import Annotation, Appearance, AppearanceAnchor, Assignment, Claim, Tag
from archive.diff import diff_texts
from archive.models import Article, Capture
from desk.forms import AssignForm, ReturnForm
from desk.reader import (
    claim_status,
    claim_tag_labels,
    highlights_for,
    leading_annotation,
    page_of,
    paragraphs,
    text_pages,
)
from desk.views import assigning, public
from desk.views._shared import PAGE_SIZE, article_capture, query_without_page, visible_claim
from intelligence.analysis import analyse
from publication import corrections
from publication.history import claim_history, count_edits
from publication.public import claim_page
from watching import rules as watching_rules
from watching.models import Recapture


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = Annotation.objects.visible_to(user)
    context = {
        "articles": Article.objects.select_related("source")
        .annotate(last_captured_at=Max("captures__captured_at"))
        .order_by("-created_at", "-pk")[:10],
        "tag_counts": Tag.objects.annotate(
            claim_count=Count(
                "annotations__claim",
                filter=Q(annotations__in=visible.values("pk")),
                distinct=True,
            )
        ).filter(claim_count__gt=0),
    }
    if user.is_authenticated:
        mine = Annotation.objects.authored_by(user).select_related("claim")
        context["drafts"] = mine.filter(status=Annotation.Status.DRAFT)[:20]
        context["returned"] = mine.filter(status=Annotation.Status.RETURNED)[:20]
        context["my_submitted"] = mine.filter(status=Annotation.Status.SUBMITTED)[:20]
        context["assigned"] = Assignment.objects.open_for(user)[:20]
    if roles.is_editor(user):
        context["awaiting"] = Annotation.objects.awaiting_review(user)[:20]
    return render(request, "annotations/home.html", context)


def article_list(request: HttpRequest) -> HttpResponse:
    claims_here = (
        Appearance.objects.filter(
            capture__article=OuterRef("pk"),
            claim__in=Claim.objects.visible_to(request.user).values("pk"),
        )
        .order_by()
        .values("capture__article")
        .annotate(n=Count("claim", distinct=True))
        .values("n")
    )
    # Ordered by name: Django leaves Meta.ordering out of a GROUP BY query (the Max below),
    # and a list paged in the database's own order may repeat or skip articles.
    articles = (
        Article.objects.select_related("source")
        .annotate(
            claim_count=Coalesce(Subquery(claims_here, output_field=IntegerField()), 0),
            last_captured_at=Max("captures__captured_at"),
        )
        .order_by(*Article._meta.ordering)
    )
    filterset = ArticleFilter(request.GET or None, queryset=articles, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "annotations/article_list.html",
        {"filter": filterset, "page": page, "query": query_without_page(request)},
    )


def reader(request: HttpRequest, pk: int) -> HttpResponse:
    """An article's capture (the latest unless ?capture=) with its claims highlighted; a long
    capture in parts (?page=, the first by default)."""
    user = request.user
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    captures = _newest_first(article)
    capture = article_capture(article, request.GET.get("capture"))
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
    pages = text_pages(capture.text if capture else "")
    # One part per page; a missing or unknown ?page= shows the first or the last.
    part = Paginator(pages, 1).get_page(request.GET.get("page"))
    page = part.object_list[0]
    # The part shown is analysed, not the whole of a long text.
    analysis = analyse(capture, user, (page.start, page.end)) if capture is not None else None
    claims = {}
    for appearance in appearances:
        claims.setdefault(appearance.claim_id, appearance)
    can_recapture = bool(article.url) and watching_rules.can_request_recapture(user)
    context = {
        "article": article,
        "captures": captures,
        "capture": capture,
        "paragraphs": (
            paragraphs(capture.text, highlights, page, analysis.foreign_spans) if capture else []
        ),
        "part": part,
        "query": query_without_page(request),
        "analysis": analysis,
        **_suggestion_context(analysis),
        "can_annotate": rules.can_annotate(user),
        "claims_here": [
            {
                "claim": a.claim,
                "appearance": a,
                "page": page_of(pages, a.start),
                "status": claim_status(a.claim),
                "tags": claim_tag_labels(a.claim),
            }
            for a in claims.values()
        ],
        "can_mark": rules.can_create_claim(user),
        # Editors fetch the article's page again on demand (a worker does it).
        "can_recapture": can_recapture,
        "recapture": Recapture.objects.filter(article=article).first() if can_recapture else None,
        "is_latest": bool(captures) and capture is not None and capture.pk == captures[0].pk,
    }
    return render(request, "annotations/reader.html", context)


def _suggestion_context(analysis) -> dict:
    """The reader's suggestions with the labels of their tags: `suggestions` as
    (suggestion, labels) and `capture_tags` as (slug, label)."""
    if analysis is None or not (analysis.suggestions or analysis.tags):
        return {"suggestions": [], "capture_tags": []}
    slugs = {slug for s in analysis.suggestions for slug in s.tags} | set(analysis.tags)
    labels = {tag.slug: tag.label_in() for tag in Tag.objects.filter(slug__in=slugs)}
    return {
        "suggestions": [(s, [labels.get(t, t) for t in s.tags]) for s in analysis.suggestions],
        "capture_tags": [(slug, labels.get(slug, slug)) for slug in analysis.tags],
    }


def _newest_first(article: Article) -> list[Capture]:
    """The article's captures without their text, newest first (the reverse of the default
    order, which `Capture.objects.latest()` follows too)."""
    return list(article.captures.defer("text", "raw").reverse())


def capture_history(request: HttpRequest, pk: int) -> HttpResponse:
    """An article's captures, and what changed between two of them (by default the last two),
    with the claims whose appearances moved, changed wording or were lost."""
    user = request.user
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    captures = _newest_first(article)
    by_id = {str(c.pk): c for c in captures}
    old_id = request.GET.get("from") or (str(captures[1].pk) if len(captures) > 1 else "")
    new_id = request.GET.get("to") or (str(captures[0].pk) if captures else "")
    context = {"article": article, "captures": captures, "old_id": old_id, "new_id": new_id}
    if old_id and new_id:
        if old_id not in by_id or new_id not in by_id:
            context["error"] = _("Choose two captures of this article to compare.")
        elif old_id == new_id:
            context["error"] = _("Choose two different captures to compare.")
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
    can_assign = rules.can_assign(user)
    claims = list(page.object_list)
    # Who was asked, for the editors who ask (one query for the page).
    asked = assignees_of(claims) if can_assign else {}
    rows = []
    for claim in claims:
        leading = leading_annotation(claim)
        rows.append(
            {
                "claim": claim,
                "status": claim_status(claim),
                "tags": claim_tag_labels(claim),
                "verdict": leading.get_verdict_display() if leading and leading.verdict else "",
                "assignees": asked.get(claim.pk, []),
            }
        )
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": query_without_page(request),
    }
    if can_assign:
        context["assign_form"] = AssignForm()
    return render(request, "annotations/claim_list.html", context)


def assignees_of(claims: list[Claim]) -> dict[int, list[str]]:
    """The names of the people each claim is assigned to, by claim id."""
    names: dict[int, list[str]] = {}
    for assignment in Assignment.objects.filter(claim__in=claims).select_related("assignee"):
        names.setdefault(assignment.claim_id, []).append(display_name(assignment.assignee))
    return names


def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim, where it appears and the annotations the user may see; as the reader's side
    panel for htmx requests. A claim withdrawn from public (retracted or removed) answers
    410 with the withdrawal to those it was public to, and who may not see it."""
    user = request.user
    try:
        claim = visible_claim(user, pk, Claim.objects.with_details(user))
    except Http404:
        gone = corrections.gone(pk, user)
        if gone is None:
            raise
        return public.withdrawn_claim(request, gone)
    count_edits(claim.visible_annotations)
    # Retraction is public: whoever sees the claim sees that, and why, an assessment of it
    # was withdrawn (blind mode aside).
    retractions = (
        Annotation.objects.filter(visibility.retractions(user), claim=claim)
        .select_related("author", "reviewed_by")
        .order_by("reviewed_at", "pk")
    )
    own = next((a for a in claim.visible_annotations if a.author_id == user.pk), None)
    context = {
        "claim": claim,
        "annotations": claim.visible_annotations,
        "status": claim_status(claim),
        "can_annotate": rules.can_annotate(user) and own is None,
        "return_form": ReturnForm(),
        **assigning.claim_context(user, claim),
        "retractions": retractions,
        "events": claim_history(claim.pk, user),
    }
    template = "annotations/claim_detail.html"
    if request.htmx:
        template += "#claim-panel"
    elif not user.is_authenticated:
        # The public record's head (ClaimReview, summary, canonical link) is what anonymous
        # readers and crawlers see: a signed-in reader may see less of it (an assignee in
        # blind mode), so it is theirs only as an anonymous visit.
        context.update(_public_head(claim.pk))
    return render(request, template, context)


def _public_head(claim_id: int) -> dict:
    """The page's canonical link, summary, Open Graph data and ClaimReview, when anonymous
    readers may see the claim (three queries)."""
    public = claim_page(claim_id)
    if public is None:
        return {}
    text = Truncator(public.claim["text"]).chars(150)
    if public.verdicts:
        names = ", ".join(str(Annotation.Verdict(code).label) for code in public.verdicts)
        description = _("Fact-check of the claim “%(claim)s”: %(verdicts)s.") % {
            "claim": text,
            "verdicts": names,
        }
    else:
        description = _("The claim “%(claim)s”, with its published assessments.") % {"claim": text}
    return {"public": public, "description": description}
