"""The API throttle: clients are told apart by the connection's address (X-Forwarded-For only
as far as the trusted proxies configured), and counts live in the cache, shared between
processes when it is Redis, and exact when requests arrive at once."""

import os
import random
import runpy
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import CacheHandler
from django.test import RequestFactory
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.api import throttling

pytestmark = pytest.mark.django_db

SETTINGS_FILE = Path(settings.BASE_DIR, "config", "settings.py")


@pytest.fixture
def anon_limit(monkeypatch):
    """An anonymous rate of 60 a minute, the production default."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "60/minute"})
    return 60


def random_address() -> str:
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


def production_settings(**environ) -> dict:
    """config/settings.py evaluated afresh under `environ`, as a server (not the suite)
    would read it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("REDIS_URL", raising=False)
        patch.delenv("CLAIMDESK_TRUSTED_PROXIES", raising=False)
        for name, value in environ.items():
            patch.setenv(name, value)
        patch.setattr("sys.argv", ["gunicorn"])
        patch.delitem(sys.modules, "pytest")
        return runpy.run_path(str(SETTINGS_FILE))


def test_made_up_forwarded_addresses_do_not_lift_the_anonymous_limit(anon_limit):
    client = APIClient()
    statuses = [
        client.get("/api/tags/", HTTP_X_FORWARDED_FOR=random_address()).status_code
        for _ in range(200)
    ]
    assert statuses.count(200) == anon_limit
    assert statuses[anon_limit:] == [429] * (200 - anon_limit)


def test_clients_are_told_apart_by_the_connection_address(anon_limit):
    client = APIClient()
    for _ in range(anon_limit):
        assert client.get("/api/tags/", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get("/api/tags/", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get("/api/tags/", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_behind_one_trusted_proxy_the_right_most_forwarded_address_is_the_client(
    anon_limit, monkeypatch
):
    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    client = APIClient()

    def get(forwarded: str) -> int:
        # The proxy connects from 10.0.0.1 and appends the address it saw.
        return client.get(
            "/api/tags/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    statuses = [get(f"{random_address()}, 203.0.113.7") for _ in range(anon_limit + 5)]
    assert statuses == [200] * anon_limit + [429] * 5
    assert get(f"{random_address()}, 203.0.113.8") == 200
    assert get("203.0.113.9") == 200


def test_trusted_proxies_default_to_none_so_the_header_is_ignored():
    assert production_settings()["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    configured = production_settings(CLAIMDESK_TRUSTED_PROXIES="2")
    assert configured["REST_FRAMEWORK"]["NUM_PROXIES"] == 2


def test_a_bad_trusted_proxies_value_stops_start_up():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="CLAIMDESK_TRUSTED_PROXIES"):
        production_settings(CLAIMDESK_TRUSTED_PROXIES="-1")


def test_without_redis_the_cache_is_local_to_the_process():
    caches = production_settings()["CACHES"]
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


# A shared count, with a Redis server of the test's own


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of its own on a free port, keeping nothing on disk; stopped by PID."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message + ": under CI the shared-cache test must run")
        pytest.skip(message)
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_redis_two_processes_share_one_count(redis_url, anon_limit, monkeypatch):
    caches = production_settings(REDIS_URL=redis_url)["CACHES"]
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    # Two app servers: each its own cache client and connection pool, one Redis.
    workers = [CacheHandler(caches)["default"] for _ in range(2)]
    client = APIClient()
    statuses = []
    for request in range(anon_limit + 10):
        monkeypatch.setattr(AnonRateThrottle, "cache", workers[request % 2])
        statuses.append(client.get("/api/tags/").status_code)
    assert statuses == [200] * anon_limit + [429] * 10
    assert workers[0]._cache is not workers[1]._cache


def concurrent_attempts(caches: list, attempts: int) -> list[bool]:
    """`attempts` anonymous requests from one client at once, 16 at a time, each process
    (cache client) taking every other one; whether each was allowed."""
    request = RequestFactory().get("/api/tags/", REMOTE_ADDR="192.0.2.50")
    request.user = AnonymousUser()

    def attempt(n: int) -> bool:
        throttle = throttling.AnonRateThrottle()
        throttle.cache = caches[n % len(caches)]
        return throttle.allow_request(request, None)

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(attempt, range(attempts)))


def test_concurrent_requests_are_counted_exactly(anon_limit):
    allowed = concurrent_attempts([CacheHandler(settings.CACHES)["default"]], 3 * anon_limit)
    assert allowed.count(True) == anon_limit


def test_with_redis_concurrent_requests_on_two_processes_are_counted_exactly(redis_url, anon_limit):
    caches = production_settings(REDIS_URL=redis_url)["CACHES"]
    workers = [CacheHandler(caches)["default"] for _ in range(2)]
    allowed = concurrent_attempts(workers, 3 * anon_limit)
    assert allowed.count(True) == anon_limit


def test_a_throttled_client_is_told_when_its_window_closes(anon_limit, monkeypatch):
    clock = [1_000.0]
    monkeypatch.setattr(throttling.AnonRateThrottle, "timer", lambda self: clock[0])
    client = APIClient()
    for _ in range(anon_limit):
        assert client.get("/api/tags/", REMOTE_ADDR="192.0.2.60").status_code == 200
    clock[0] += 45
    refused = client.get("/api/tags/", REMOTE_ADDR="192.0.2.60")
    assert (refused.status_code, refused["Retry-After"]) == (429, "15")
    # Once the window has closed, a new one opens with the next request.
    clock[0] += 15.5
    assert client.get("/api/tags/", REMOTE_ADDR="192.0.2.60").status_code == 200


def test_anonymous_requests_count_at_the_anonymous_rate_only(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "5/minute"})
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "1/minute"})
    client = APIClient()
    assert [client.get("/api/tags/").status_code for _ in range(6)] == [200] * 5 + [429]


def test_with_redis_a_request_costs_one_round_trip(redis_url, anon_limit, monkeypatch):
    import redis

    caches = production_settings(REDIS_URL=redis_url)["CACHES"]
    monkeypatch.setattr(AnonRateThrottle, "cache", CacheHandler(caches)["default"])
    client = APIClient()
    assert client.get("/api/tags/").status_code == 200  # the script is sent once
    server = redis.Redis.from_url(redis_url)
    server.config_resetstat()
    for _ in range(5):
        assert client.get("/api/tags/").status_code == 200
    commands = {
        name.removeprefix("cmdstat_"): stats["calls"]
        for name, stats in server.info("commandstats").items()
    }
    commands.pop("info", None)
    commands.pop("config|resetstat", None)
    # One script a request; the rest are the commands it runs inside Redis.
    assert commands.pop("evalsha") == 5
    assert set(commands) <= {"incr", "pttl", "pexpire"}


def test_with_redis_the_window_closes_after_its_period(redis_url, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/second"})
    caches = production_settings(REDIS_URL=redis_url)["CACHES"]
    monkeypatch.setattr(AnonRateThrottle, "cache", CacheHandler(caches)["default"])
    client = APIClient()
    assert [client.get("/api/tags/").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/tags/")
    assert (refused.status_code, refused["Retry-After"]) == (429, "1")
    time.sleep(1.1)
    assert client.get("/api/tags/").status_code == 200
