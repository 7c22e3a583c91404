"""A small fixed-window rate limiter on Django's cache (shared across processes when the cache is:
Redis in production, a file cache in the embedded setup).

Keys are hashed, so no email address or IP ends up in a cache key. Call ``hit`` in a view before
a service whose side effect (an email, a password check) must not be triggered in bulk.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math

from axes.helpers import get_client_ip_address
from django.core.cache import BaseCache, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from redis.exceptions import NoScriptError

from blackcanyon.core import clock
from blackcanyon.core.errors import RateLimited

HOUR = 60 * 60


def client_ip(request: HttpRequest) -> str:
    """The client's address under the same policy as the login lockout (``AXES_CLIENT_IP_*`` /
    ipware settings), so a TLS proxy in front does not make every visitor share one counter."""
    return get_client_ip_address(request) or ""


def address_network(address: str) -> str:
    """An IPv4 address as is; an IPv6 address as its /64 network (``2001:db8:1:2::/64``).

    One subscriber is usually handed a whole IPv6 /64 and may pick any address in it, so a
    limit counted per exact IPv6 address is a fresh counter per request. An IPv4-mapped IPv6
    address counts as its IPv4 address; anything unparsable is returned unchanged.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    # From the integer, so a zone id (``fe80::1%eth0``) does not split one network in two.
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


def _key(scope: str, identity: str, window: int) -> tuple[str, int]:
    now = clock.now().timestamp()
    bucket = int(now // window)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    seconds_left = math.ceil((bucket + 1) * window - now)
    return f"bct:rl:{scope}:{digest}:{bucket}", seconds_left


def hit(*, scope: str, identity: str, limit: int, window: int = HOUR) -> None:
    """Count one attempt for ``identity`` in ``scope``; raise ``RateLimited`` past ``limit``.

    Counting is atomic, so concurrent requests cannot slip past the limit: on Redis one script
    call (INCR, EXPIRE on the first hit); on other caches ``add`` then ``incr``.
    """
    key, seconds_left = _key(scope, identity.strip().lower(), window)
    count = _count(key, window)
    if count > limit:
        minutes = max(1, math.ceil(seconds_left / 60))
        unit = "minute" if minutes == 1 else "minutes"
        raise RateLimited(f"Too many requests. Please wait {minutes} {unit} and try again.")


def _count(key: str, window: int) -> int:
    backend = _default_cache()
    if isinstance(backend, RedisCache):
        return _count_in_redis(backend, key, window)
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr: start a new window
        cache.add(key, 1, timeout=window)
        return 1


def _default_cache() -> BaseCache:
    return caches["default"]


# INCR, and start the window's expiry on its first hit: one round trip, atomic in Redis.
_INCR_WITH_EXPIRY = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


_INCR_SHA = hashlib.sha1(_INCR_WITH_EXPIRY.encode()).hexdigest()  # noqa: S324 - Redis's script id


def _count_in_redis(backend: RedisCache, key: str, window: int) -> int:
    """One round trip (EVALSHA; the script is loaded on first use); the value stays a plain
    integer, as Django's Redis cache stores ints."""
    full_key = backend.make_and_validate_key(key)
    client = backend._cache.get_client(full_key, write=True)
    try:
        count = client.evalsha(_INCR_SHA, 1, full_key, window)
    except NoScriptError:
        count = client.eval(_INCR_WITH_EXPIRY, 1, full_key, window)
    return int(count)
