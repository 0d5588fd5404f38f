"""The API throttles: DRF's anonymous and per-user rates, each request counted once, exactly,
however many processes and hosts serve the clients.

DRF's own throttles read a client's request history from the cache, append to it and write it
back: two requests served at the same moment (two app servers behind a load balancer) both
read the same history, and one of them is not counted. These count in a window that opens at
a client's first request and lasts the rate's period (a minute for `60/minute`), then starts
afresh:

- in Redis (`REDIS_URL`: the count every app server shares), with one round trip per request:
  a script that adds one to the client's counter and reads how long its window has left,
  giving the counter the window's lifetime when this request opened it. Redis runs a script
  alone, so the count is exact under any concurrency, and the window follows Redis's clock,
  not each app server's.
- in any other cache (the local memory of one process, when there is no Redis), with the
  cache's atomic operations: the window's start is claimed with `cache.add` (only one request
  can create it) and each request adds one with `cache.incr` (under the cache's lock). The
  counter outlives its window, so it cannot expire between the two calls and come back
  without a timeout.

A request is counted by one throttle only: anonymous requests at the anonymous rate (per
client address), logged-in users' and tokens' at the user rate (per user).
"""

import time

from django.core.cache.backends.redis import RedisCache
from redis.commands.core import Script
from rest_framework import throttling

# Adds one to the counter KEYS[1]; a counter without an expiry was just created by this
# request, which opens its window of ARGV[1] milliseconds. Answers the count and the
# milliseconds left in the window.
COUNT_IN_WINDOW = Script(
    None,
    b"""
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    left = tonumber(ARGV[1])
end
return {count, left}
""",
)


def count_in_redis(cache: RedisCache, key: str, duration: float) -> tuple[int, float]:
    """Count a request in `key`'s window of `duration` seconds, in one round trip (the
    script is sent once per Redis server; after that, by its digest): the count so far,
    this request included, and the seconds left in the window."""
    key = cache.make_and_validate_key(key)
    # Django's Redis cache has no call for a script; its client, from the same pool, does.
    client = cache._cache.get_client(key, write=True)
    count, left_ms = COUNT_IN_WINDOW(
        keys=[key], args=[max(1, round(duration * 1000))], client=client
    )
    return int(count), int(left_ms) / 1000


class AtomicCountMixin:
    """Replaces SimpleRateThrottle's history with an atomic counter per client and window."""

    timer = time.time

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if isinstance(self.cache, RedisCache):
            count, self.left = count_in_redis(self.cache, self.key, self.duration)
        else:
            count = self.count_in_cache()
        if count <= self.num_requests:
            return True
        return self.throttle_failure()

    def count_in_cache(self) -> int:
        """Count the request with the cache's `add` and `incr`: the count so far, this
        request included."""
        now = self.timer()
        first = self.open_window(now)
        # Normally the window's start expires with it; a late reader (or a host whose clock
        # runs ahead) is in the next period of the same length.
        # (A request that read the clock just before another opened the window is in it.)
        window_start = first + max(0.0, now - first) // self.duration * self.duration
        self.left = max(0.0, self.duration - (now - window_start))
        counter = f"{self.key}:{window_start!r}"
        self.cache.add(counter, 0, timeout=2 * self.duration)
        return self.cache.incr(counter)

    def open_window(self, now: float) -> float:
        """When the client's current window opened: now, if this request opens it."""
        start_key = f"{self.key}:start"
        for _ in range(3):
            if self.cache.add(start_key, now, timeout=self.duration):
                return now
            start = self.cache.get(start_key)
            # None: the window closed between the two calls; the next try opens a new one.
            if start is not None:
                return start
        return now

    def wait(self):
        """Seconds until the client's window closes (Retry-After)."""
        return self.left


class AnonRateThrottle(AtomicCountMixin, throttling.AnonRateThrottle):
    """Anonymous clients, told apart by their address (see NUM_PROXIES)."""


class UserRateThrottle(AtomicCountMixin, throttling.UserRateThrottle):
    """Logged-in users and tokens, per user. Anonymous requests are the anonymous rate's
    (DRF's would count them a second time, per address, at this rate)."""

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
