"""The API throttles: DRF's anonymous and per-user rates, counted with the cache's atomic
operations so that concurrent requests on many processes and hosts are counted exactly.

DRF's own throttles read a client's request history from the cache, append to it and write it
back: two requests served at the same moment (two app servers behind a load balancer) both
read the same history, and one of them is not counted. These count in a window that opens at
a client's first request and lasts the rate's period: the window's start is claimed with
`cache.add` (only one request can create it) and each request adds one with `cache.incr`
(Redis INCR; under a lock in the local-memory cache). The counter outlives its window, so it
cannot expire between the two calls of Django's Redis `incr` and come back without a timeout.
"""

import time

from rest_framework import throttling


class AtomicCountMixin:
    """Replaces SimpleRateThrottle's history with an atomic counter per client and window."""

    timer = time.time

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        first = self.open_window()
        # Normally the window's start expires with it; a late reader (or a host whose clock
        # runs ahead) is in the next period of the same length.
        # (A request that read the clock just before another opened the window is in it.)
        self.window_start = first + max(0.0, self.now - first) // self.duration * self.duration
        counter = f"{self.key}:{self.window_start!r}"
        self.cache.add(counter, 0, timeout=2 * self.duration)
        if self.cache.incr(counter) <= self.num_requests:
            return True
        return self.throttle_failure()

    def open_window(self) -> float:
        """When the client's current window opened: now, if this request opens it."""
        start_key = f"{self.key}:start"
        for _ in range(3):
            if self.cache.add(start_key, self.now, timeout=self.duration):
                return self.now
            start = self.cache.get(start_key)
            # None: the window closed between the two calls; the next try opens a new one.
            if start is not None:
                return start
        return self.now

    def wait(self):
        """Seconds until the client's window closes (Retry-After)."""
        return max(0.0, self.duration - (self.now - self.window_start))


class AnonRateThrottle(AtomicCountMixin, throttling.AnonRateThrottle):
    """Anonymous clients, told apart by their address (see NUM_PROXIES)."""


class UserRateThrottle(AtomicCountMixin, throttling.UserRateThrottle):
    """Logged-in users and tokens, per user."""
