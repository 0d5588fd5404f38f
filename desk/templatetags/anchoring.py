"""Template tags for claims whose wording changed or was lost in a later capture."""

from django import template
from django.db.models import Prefetch, Q

from annotations.models import Appearance, AppearanceAnchor, Claim

register = template.Library()


@register.inclusion_tag("annotations/_anchor_notices.html", takes_context=True)
def anchor_notices(context, article):
    """The claims of `article` the user may see whose wording changed or that were lost in
    a later capture, each with its original wording; and how many are being re-anchored
    onto a new capture in the background."""
    appearances = (
        Appearance.objects.filter(
            Q(anchor_status__in=[Appearance.Status.CHANGED, Appearance.Status.ORPHANED])
            | Q(reanchoring=True),
            capture__article=article,
            claim__in=Claim.objects.visible_to(context["user"]),
        )
        .select_related("capture")
        .prefetch_related(
            Prefetch(
                "anchors",
                queryset=AppearanceAnchor.objects.exclude(quote="").order_by("pk"),
                to_attr="found_anchors",
            )
        )
        .order_by("anchor_status", "start", "pk")
    )
    notices = []
    reanchoring = 0
    for appearance in appearances:
        if appearance.reanchoring:
            # Its flags wait for the job that moves it.
            reanchoring += 1
            continue
        original = appearance.found_anchors[0].quote if appearance.found_anchors else ""
        notices.append({"appearance": appearance, "original": original or appearance.quote})
    return {"notices": notices, "reanchoring": reanchoring}
