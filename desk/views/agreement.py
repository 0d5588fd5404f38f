"""The agreement page: the editors' view of `GET /api/agreement/`, with its charts."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from agreement import charts, report
from annotations import rules
from annotations.filters import AgreementPageFilter
from annotations.models import Claim, Tag


@login_required
def agreement(request: HttpRequest) -> HttpResponse:
    user = request.user
    rules.require(
        rules.can_view_agreement(user), _("Agreement figures are for editors and admins.")
    )
    filterset = AgreementPageFilter(
        request.GET, queryset=Claim.objects.visible_to(user), request=request, viewer=user
    )
    context = {"filter": filterset, "figures": None}
    if filterset.is_valid():
        ratings = report.load(filterset.qs, filterset.statuses or report.DEFAULT_STATUSES)
        figures = report.build(ratings)
        pair = _chosen_pair(request, ratings) or charts.busiest_pair(ratings)
        claims = Claim.objects.in_bulk([d["claim"] for d in figures["disagreements"]])
        tags = Tag.objects.filter(slug__in=[t["slug"] for t in figures["tags"]])
        labels = {tag.slug: tag.label_in() for tag in tags}
        context.update(
            figures=figures,
            tag_measures=[(labels.get(t["slug"], t["slug"]), t) for t in figures["tags"]],
            heat_map=charts.heat_map(figures["pairs"]),
            scatter=charts.scatter(ratings, *pair) if pair else None,
            coders=ratings.coders,
            disagreements=[
                {**d, "text": str(claims[d["claim"]])}
                for d in figures["disagreements"]
                if d["claim"] in claims
            ],
        )
    return render(request, "annotations/agreement.html", context)


def _chosen_pair(request: HttpRequest, ratings) -> tuple[str, str] | None:
    a, b = request.GET.get("x", ""), request.GET.get("y", "")
    if a in ratings.coders and b in ratings.coders and a != b:
        return a, b
    return None
