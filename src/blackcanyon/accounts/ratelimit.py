"""A small fixed-window rate limiter on Django's cache (shared across processes when the cache is).

Keys are hashed, so no email address or IP ends up in a cache key. Use ``hit`` in views before
calling a service whose side effect (an email) must not be triggered in bulk.
"""

from __future__ import annotations

import hashlib
import math

from django.core.cache import cache

from blackcanyon.accounts.errors import RateLimited
from blackcanyon.core import clock

HOUR = 60 * 60


def _key(scope: str, identity: str, window: int) -> tuple[str, int]:
    now = clock.now().timestamp()
    bucket = int(now // window)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    seconds_left = math.ceil((bucket + 1) * window - now)
    return f"bct:rl:{scope}:{digest}:{bucket}", seconds_left


def hit(*, scope: str, identity: str, limit: int, window: int = HOUR) -> None:
    """Count one attempt for ``identity`` in ``scope``; raise ``RateLimited`` past ``limit``.

    The counter is created with ``add`` and bumped with ``incr``, both atomic in Redis, so
    concurrent requests cannot slip past the limit.
    """
    key, seconds_left = _key(scope, identity.strip().lower(), window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: start a new window
        cache.add(key, 1, timeout=window)
        count = 1
    if count > limit:
        minutes = max(1, math.ceil(seconds_left / 60))
        unit = "minute" if minutes == 1 else "minutes"
        raise RateLimited(f"Too many requests. Please wait {minutes} {unit} and try again.")


def hit_all(*, scope: str, identities: list[str], limit: int, window: int = HOUR) -> None:
    """``hit`` for several identities (e.g. the email and the client IP); all are counted."""
    error: RateLimited | None = None
    for identity in identities:
        if not identity:
            continue
        try:
            hit(scope=scope, identity=identity, limit=limit, window=window)
        except RateLimited as exc:
            error = error or exc
    if error is not None:
        raise error
