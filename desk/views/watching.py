"""The Watches page (editors): the feeds and pages the workers check, with their status and
last error; add one, pause or resume it, check it now, remove it. And the reader's
"Re-capture now". Every write goes through `watching.services`."""

import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from archive.models import Article
from archive.validation import as_text
from core.exceptions import Conflict
from desk.forms import WatchForm
from watching import rules, services
from watching.models import Watch


def _require_editor(request: HttpRequest) -> None:
    rules.require(rules.can_manage_watches(request.user), _("Watches are for editors and admins."))


def every(seconds: int) -> str:
    """How often, in words: "every hour", "every 20 minutes"."""
    named = dict(WatchForm.INTERVALS)
    if seconds in named:
        return str(named[seconds])
    minutes = round(seconds / 60)
    return ngettext("every %(n)s minute", "every %(n)s minutes", minutes) % {"n": minutes}


def _page(request: HttpRequest, form: WatchForm, status: int = 200) -> HttpResponse:
    now = timezone.now()
    watches = list(Watch.objects.select_related("source").order_by("-active", "url"))
    for watch in watches:
        watch.every = every(watch.interval_seconds)
        watch.due_now = watch.next_check_at <= now
    return render(
        request, "watching/watch_list.html", {"watches": watches, "form": form}, status=status
    )


@login_required
def watch_list(request: HttpRequest) -> HttpResponse:
    """Every watch with how it is doing (GET); add one (POST)."""
    _require_editor(request)
    if request.method != "POST":
        initial = {}
        if request.GET.get("source"):
            initial["source"] = request.GET["source"]
        return _page(request, WatchForm(initial=initial))
    form = WatchForm(request.POST)
    if form.is_valid():
        try:
            watch = services.create_watch(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, as_text(exc))
        else:
            messages.success(
                request,
                _("Watching %(url)s: a worker checks it within a minute.") % {"url": watch.url},
            )
            return redirect("annotations:watch-list")
    return _page(request, form, status=400)


def _back(watch_id: int) -> HttpResponse:
    return redirect(f"{reverse('annotations:watch-list')}#watch-{watch_id}")


def _on_watch(view: Callable[[HttpRequest, Watch], HttpResponse]):
    """An editor's POST about one watch (404 if there is none): `view(request, watch)`."""

    @login_required
    @require_POST
    @functools.wraps(view)
    def on_watch(request: HttpRequest, pk: int) -> HttpResponse:
        _require_editor(request)
        return view(request, get_object_or_404(Watch, pk=pk))

    return on_watch


@_on_watch
def watch_active(request: HttpRequest, watch: Watch) -> HttpResponse:
    """Pause (active=false) or resume (active=true) a watch."""
    active = request.POST.get("active") == "true"
    services.update_watch(actor=request.user, watch=watch, active=active)
    messages.success(
        request,
        (_("Resumed %(url)s.") if active else _("Paused %(url)s.")) % {"url": watch.url},
    )
    return _back(watch.pk)


def _tell(request: HttpRequest, act: Callable[[], object], done: str) -> None:
    """Do `act`, then tell the user `done`, or why it was refused."""
    try:
        act()
    except Conflict as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, as_text(exc))
    else:
        messages.success(request, done)


@_on_watch
def watch_check(request: HttpRequest, watch: Watch) -> HttpResponse:
    _tell(
        request,
        lambda: services.check_watch_now(actor=request.user, watch=watch),
        _("A worker checks %(url)s within a minute.") % {"url": watch.url},
    )
    return _back(watch.pk)


@_on_watch
def watch_delete(request: HttpRequest, watch: Watch) -> HttpResponse:
    services.delete_watch(actor=request.user, watch=watch)
    messages.success(
        request,
        _("No longer watching %(url)s; what it archived stays archived.") % {"url": watch.url},
    )
    return redirect("annotations:watch-list")


@login_required
@require_POST
def article_recapture(request: HttpRequest, pk: int) -> HttpResponse:
    """The reader's "Re-capture now" (editors): fetched by a worker within a minute."""
    article = get_object_or_404(Article, pk=pk)
    _tell(
        request,
        lambda: services.request_recapture(actor=request.user, article=article),
        _(
            "A worker fetches this article again within a minute: changed text becomes a "
            "new capture, identical text is only noted."
        ),
    )
    return redirect("annotations:reader", pk=article.pk)
