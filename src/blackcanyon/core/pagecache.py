"""A short-lived cache of public pages for anonymous visitors ("microcache"), per process.

The busiest pages (an event page when sales open) are the same for every anonymous visitor
except for the CSRF token in their forms. The rendered page is kept with the token replaced by a
placeholder, and each response gets the visitor's own token back ("hole punching"). A page is at
most ``BCT_PAGE_CACHE_SECONDS`` old: availability shown may lag that long, while every
reservation is still decided by the database (orders.inventory). Each web process keeps its own
small copy — no network round trip on a hit, and at most one rendering per process per period.
Pages that used a CSP nonce are not cached.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

PLACEHOLDER = "__bct_csrf_token__"
MAX_PAGES = 512
# The hidden input rendered by {% csrf_token %}; each rendering masks the token differently.
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')

_pages: OrderedDict[str, tuple[float, str, str]] = OrderedDict()
_lock = threading.Lock()


def cacheable(request: HttpRequest) -> bool:
    """Anonymous GET without query string or pending messages: every such visitor sees the same."""
    if request.method != "GET" or request.GET:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return not len(get_messages(request))


def clear() -> None:
    with _lock:
        _pages.clear()


def _get(key: str) -> tuple[str, str] | None:
    with _lock:
        entry = _pages.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]


def _put(key: str, ttl: int, content_type: str, body: str) -> None:
    with _lock:
        _pages[key] = (time.monotonic() + ttl, content_type, body)
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)


def cached_page(
    request: HttpRequest, key: str, render: Callable[[], HttpResponse], *, ttl: int | None = None
) -> HttpResponse:
    """Serve ``render()``'s page from the cache for up to ``ttl`` seconds (default
    ``BCT_PAGE_CACHE_SECONDS``; 0 turns the cache off) when ``cacheable``."""
    ttl = settings.BCT_PAGE_CACHE_SECONDS if ttl is None else ttl
    if ttl <= 0 or not cacheable(request):
        return render()
    stored = _get(key)
    if stored is not None:
        content_type, body = stored
        response = HttpResponse(
            body.replace(PLACEHOLDER, get_token(request)), content_type=content_type
        )
        response["X-Page-Cache"] = "hit"
        return response
    response = render()
    if response.status_code == 200 and not getattr(request, "_csp_nonce", None):
        body = _CSRF_INPUT.sub(rf"\g<1>{PLACEHOLDER}\g<2>", response.content.decode())
        _put(key, ttl, response["Content-Type"], body)
    response["X-Page-Cache"] = "miss"
    return response
