"""The signed-in person's inbox: their notifications, newest first, in the interface's
language, with the claim each is about; marking one or all of them read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from desk.views._shared import PAGE_SIZE
from notifications import services
from notifications.models import Notification
from notifications.texts import text


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.of(request.user).with_details()
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    for notification in page:
        notification.text = text(notification)
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.of(request.user), pk=pk)
    services.mark_read(user=request.user, notification=notification)
    return redirect("annotations:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = services.mark_all_read(user=request.user)
    if marked:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                marked,
            )
            % {"count": marked},
        )
    return redirect("annotations:inbox")
