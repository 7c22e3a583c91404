"""Response headers for pages reached by a buyer's secret link (checkout, payment, order page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse


def private_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Never cached by a browser or proxy (the page holds personal data and a signed link) and
    never indexed by search engines (the template adds ``<meta name="robots">`` too)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper
