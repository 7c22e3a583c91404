"""Limit/offset pagination shared by the API's list endpoints.

A page is ``{"count", "next", "previous", "results"}``: ``count`` is the total number of rows,
``next`` / ``previous`` are absolute URLs of the neighbouring pages (``null`` at either end).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Schema

from blackcanyon.api.selectors import Page

# A database id in a path: anything else is a 422 naming the parameter, never a failed query.
EventId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The event's id")]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page (1-200).")
    offset: int = Field(0, ge=0, le=10_000_000, description="Rows to skip.")


def _url(request: HttpRequest, *, limit: int, offset: int) -> str:
    query = request.GET.copy()
    query["limit"] = str(limit)
    query["offset"] = str(offset)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def page_body(request: HttpRequest, page: Page[Any]) -> dict[str, Any]:
    """The page envelope around ``page.items`` (the response schema serialises the items)."""
    end = page.offset + len(page.items)
    has_next = end < page.count
    has_previous = page.offset > 0
    return {
        "count": page.count,
        "next": _url(request, limit=page.limit, offset=end) if has_next else None,
        "previous": (
            _url(request, limit=page.limit, offset=max(page.offset - page.limit, 0))
            if has_previous
            else None
        ),
        "results": page.items,
    }
