"""The JSON API, version 1: ``/api/v1/`` with its OpenAPI schema at ``/api/v1/openapi.json`` and
interactive docs at ``/api/v1/docs`` (Swagger UI served from our own static files, so it works
under the site's Content Security Policy)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver
from django.utils.cache import add_never_cache_headers
from ninja import NinjaAPI, Swagger

from blackcanyon.api import errors
from blackcanyon.api.auth import ApiTokenAuth
from blackcanyon.checkin.api import router as checkin_router
from blackcanyon.events.api import router as events_router
from blackcanyon.orders.api import router as orders_router

DESCRIPTION = """
The API of Black Canyon Tickets for an organizer's integrations (box office, reporting).

**Authentication.** Create a token in your organizer's pages (*API tokens*) or with
`bct api-token create --organizer SLUG --name NAME`, and send it with every request:
`Authorization: Bearer bct_...`. A token acts for its organizer only: another organizer's
events and orders answer 404.

**Errors** always look like `{"error": {"code": "sold_out", "message": "...", "fields": {}}}`:
`code` is stable (program against it), `message` is for people, and `fields` names what is wrong
with the request (`{"items.0.quantity": ["Input should be a valid integer"]}`). Missing or bad
tokens answer 401, too many requests 429 (`Retry-After` says when to try again), invalid input 422
`validation_failed`.

**Money** is in minor units of the currency (`2500` USD is $25.00). **Times** are ISO 8601 in UTC.

**Retries.** Send an `Idempotency-Key` header when creating an order: a retry with the same key
returns the first order instead of selling twice.
"""

api = NinjaAPI(
    title="Black Canyon Tickets API",
    version="1",
    description=DESCRIPTION.strip(),
    urls_namespace="api-v1",
    auth=ApiTokenAuth(),
    parser=errors.JsonParser(),
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
)
errors.install(api)
api.add_router("", events_router)
api.add_router("", orders_router)
api.add_router("", checkin_router)


def _api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an endpoint: ninja answers an unsupported method with Django's plain-text 405, made
    our JSON error here (the ``Allow`` header stays); and no response (orders hold buyers'
    names and emails) may be stored by a browser or proxy cache."""

    @functools.wraps(view)  # keeps csrf_exempt: the API authenticates by token, not by cookie
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            body = errors.error_body(
                "method_not_allowed", f"{request.method} is not allowed here. Allowed: {allowed}."
            )
            response = JsonResponse(body, status=405)
            response["Allow"] = allowed
        add_never_cache_headers(response)
        return response

    return wrapper


def urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """``api.urls`` with the endpoints wrapped by ``_api_view``, for ``path("api/v1/", ...)``.
    The schema and the docs page stay as ninja serves them."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name not in {"openapi-json", "openapi-view"}:
            pattern.callback = _api_view(pattern.callback)
    return patterns, app_name, namespace
