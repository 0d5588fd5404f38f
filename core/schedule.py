"""Periodic work the workers do between their jobs, with no process of its own: apps above
register what to run (`every_tick`, from their AppConfig.ready), and every `manage.py worker`
calls `tick()` every CLAIMDESK_SCHEDULE_INTERVAL seconds (and once in --batch mode). What a
tick runs must be safe with any number of workers ticking at once: it takes each due item by
lease, so each is done once."""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("core.schedule")

_work: dict[str, Callable[[], int]] = {}


def every_tick(name: str, function: Callable[[], int]) -> None:
    """Run `function` (which returns how many items it handled) on every worker's tick."""
    _work[name] = function


def tick() -> dict[str, int]:
    """Run every registered piece of periodic work once; how many items each handled. One
    that fails is logged and the others still run."""
    done = {}
    for name, function in _work.items():
        try:
            done[name] = function()
        except Exception:
            logger.exception("Periodic work %r failed; the next tick tries again", name)
    return done


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    """The time before which queued work still not done is taken to be lost (its worker died,
    or its task was never queued), for the sweeps a tick runs: CLAIMDESK_JOB_STALE_AFTER
    seconds before `now`."""
    return (now or timezone.now()) - dt.timedelta(seconds=settings.CLAIMDESK_JOB_STALE_AFTER)
