"""Watches and re-captures on demand, as editors make them: each write validated, checked
against `watching.rules`, and journaled in its transaction (kind "watch"; a re-capture asked
for is journaled on its article)."""

from urllib.parse import urlsplit

import httpcore
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import journal.services as journal
from accounts.actors import Actor
from archive.ingest.fetch import PrivateAddressError, vetted_addresses
from archive.models import Article, Source
from core.exceptions import Conflict

from . import rules
from .models import MIN_INTERVAL, Recapture, Watch

EDITABLE = ("url", "kind", "source", "interval_seconds", "active")


def watch_state(watch: Watch) -> dict:
    return journal.state(watch, *EDITABLE)


def _record(actor: Actor, watch: Watch, action: str, before: dict, after: dict | None) -> None:
    journal.record_change(actor, "watch", watch, action, before, after)


def check_address(url: str) -> None:
    """Refuse (ValidationError on `url`) what is not an http(s) address, or names a host on a
    non-public address, which no fetch would reach anyway (a name that does not resolve now is
    let through: its checks will say so)."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            {"url": _("Enter a web address starting with http:// or https://.")}, code="invalid"
        ) from None
    parts = urlsplit(url)
    try:
        vetted_addresses(
            parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        )
    except PrivateAddressError as exc:
        raise ValidationError({"url": str(exc)}, code="private") from None
    except httpcore.ConnectError:
        pass


def _validate(watch: Watch) -> None:
    if watch.kind not in Watch.Kind.values:
        raise ValidationError({"kind": _("Choose “feed” or “page”.")}, code="invalid_choice")
    if watch.interval_seconds < MIN_INTERVAL:
        raise ValidationError(
            {
                "interval_seconds": _("Checks must be at least %(min)s seconds (5 minutes) apart.")
                % {"min": MIN_INTERVAL}
            },
            code="min_value",
        )
    check_address(watch.url)
    if Watch.objects.filter(url=watch.url).exclude(pk=watch.pk).exists():
        raise ValidationError(
            {"url": _("This address is watched already.")}, code="unique"
        ) from None


def _set(watch: Watch, **fields: object) -> None:
    """Give `watch` these editable fields, then check it (ValidationError)."""
    for name, value in fields.items():
        setattr(watch, name, value)
    _validate(watch)


def _save(watch: Watch, **options) -> None:
    try:
        with transaction.atomic():
            watch.save(**options)
    except IntegrityError:  # the same address added at the same moment
        raise ValidationError(
            {"url": _("This address is watched already.")}, code="unique"
        ) from None


@transaction.atomic
def create_watch(
    *,
    actor: Actor,
    url: str,
    kind: str,
    source: Source | None = None,
    interval_seconds: int = Watch._meta.get_field("interval_seconds").default,
    active: bool = True,
) -> Watch:
    """A new watch, first checked by the next worker tick (if active)."""
    rules.require(rules.can_manage_watches(actor), _("Only editors manage watches."))
    watch = Watch(
        next_check_at=timezone.now(), created_by=None if not getattr(actor, "pk", None) else actor
    )
    _set(
        watch,
        url=url,
        kind=kind,
        source=source,
        interval_seconds=interval_seconds,
        active=active,
    )
    _save(watch)
    _record(actor, watch, "created", {}, watch_state(watch))
    return watch


@transaction.atomic
def update_watch(*, actor: Actor, watch: Watch, **fields: object) -> Watch:
    """Change `fields` (among url, kind, source, interval_seconds, active). Resuming a paused
    watch, or giving it a new address, has it checked at the next tick; a new interval counts
    from its last check."""
    rules.require(rules.can_manage_watches(actor), _("Only editors manage watches."))
    if unknown := set(fields) - set(EDITABLE):
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    watch = Watch.objects.select_for_update().get(pk=watch.pk)
    before = watch_state(watch)
    _set(watch, **fields)
    now = timezone.now()
    if (watch.active and not before["active"]) or watch.url != before["url"]:
        watch.next_check_at, watch.failures = now, 0
    elif watch.interval_seconds != before["interval_seconds"] and watch.last_checked_at:
        watch.next_check_at = max(
            now, watch.last_checked_at + timezone.timedelta(seconds=watch.interval_seconds)
        )
    after = watch_state(watch)
    if after == before:
        return watch
    # Only what an editor sets: a worker's bookkeeping (last check, lease) stays its own.
    _save(watch, update_fields=[*EDITABLE, "next_check_at", "failures", "updated_at"])
    action = {
        (True, False): "paused",
        (False, True): "resumed",
    }.get((before["active"], after["active"]), "edited")
    _record(actor, watch, action, before, after)
    return watch


@transaction.atomic
def delete_watch(*, actor: Actor, watch: Watch) -> None:
    """Remove a watch (what it archived stays archived)."""
    rules.require(rules.can_manage_watches(actor), _("Only editors manage watches."))
    before = watch_state(watch)
    watch_id = watch.pk
    watch.delete()
    watch.pk = watch_id
    _record(actor, watch, "deleted", before, None)


@transaction.atomic
def check_watch_now(*, actor: Actor, watch: Watch) -> Watch:
    """Have the next worker tick check `watch`, whatever its schedule or back-off (Conflict
    if it is paused: resuming it has it checked)."""
    rules.require(rules.can_manage_watches(actor), _("Only editors manage watches."))
    if not watch.active:
        raise Conflict(_("This watch is paused: resume it to have it checked."))
    Watch.objects.filter(pk=watch.pk).update(next_check_at=timezone.now())
    watch.refresh_from_db()
    _record(actor, watch, "check_requested", {}, {})
    return watch


@transaction.atomic
def request_recapture(*, actor: Actor, article: Article) -> Recapture:
    """Have the next worker tick fetch `article` again (ValidationError if it has no web
    address); identical text records the check, changed text a new capture."""
    rules.require(rules.can_request_recapture(actor), _("Only editors ask for re-captures."))
    if not article.url:
        raise ValidationError(
            _("This article has no web address to fetch again; an editor may paste its new text."),
            code="no_url",
        )
    recapture, _created = Recapture.objects.get_or_create(article=article)
    Recapture.objects.filter(pk=recapture.pk).update(next_check_at=timezone.now())
    recapture.refresh_from_db()
    journal.record_change(actor, "article", article, "recapture_requested", {}, {}, public=True)
    return recapture
