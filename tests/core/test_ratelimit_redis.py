"""The rate limiter on Redis (production's shared cache): one atomic script per hit, a window
that expires, and limits that hold across separate cache clients (separate web processes).

Uses the Redis on 127.0.0.1:6379 (``TEST_REDIS_URL`` to point elsewhere), else starts a
throw-away ``redis-server`` when the binary is installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from blackcanyon.core import ratelimit
from blackcanyon.core.errors import RateLimited


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    if _answers(url):
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("Redis is needed: start it on 127.0.0.1:6379 or install redis-server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as workdir:
        server = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", workdir],
            stdout=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        for _ in range(50):
            if _answers(url):
                break
            time.sleep(0.1)
        try:
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


@pytest.fixture
def redis_cache(redis_url: str) -> Iterator[str]:
    redis.Redis.from_url(redis_url).flushdb()
    backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    with override_settings(CACHES={"default": backend}):
        yield redis_url


def test_the_limit_holds_across_processes_and_the_window_expires(redis_cache):
    # Given two web processes (two cache clients) counting the same client address
    for _ in range(3):
        ratelimit.hit(scope="login", identity="203.0.113.9", limit=5, window=60)
    caches.close_all()  # the next hits come through a new connection, as from another process
    for _ in range(2):
        ratelimit.hit(scope="login", identity="203.0.113.9", limit=5, window=60)

    # Then the sixth attempt is refused, and another address is not
    with pytest.raises(RateLimited):
        ratelimit.hit(scope="login", identity="203.0.113.9", limit=5, window=60)
    ratelimit.hit(scope="login", identity="198.51.100.1", limit=5, window=60)

    # And the counter is a plain integer that expires with its window
    client = redis.Redis.from_url(redis_cache)
    (key,) = [k for k in client.keys("*") if client.get(k) == b"6"]
    assert 0 < client.ttl(key) <= 60


def test_the_script_is_loaded_again_after_a_redis_restart(redis_cache):
    # Given Redis forgot its scripts (restarted, or flushed)
    redis.Redis.from_url(redis_cache).script_flush()

    # Then counting still works
    ratelimit.hit(scope="api.token", identity="abc", limit=1, window=60)
    with pytest.raises(RateLimited):
        ratelimit.hit(scope="api.token", identity="abc", limit=1, window=60)
