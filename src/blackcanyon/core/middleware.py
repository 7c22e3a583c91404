from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from blackcanyon.core import request_context, tenancy


class RequestIdMiddleware:
    """Give every request an id (``X-Request-ID`` in and out) for logs and audit entries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_context.new_request_id(request.headers.get("X-Request-ID"))
        try:
            response = self.get_response(request)
        finally:
            request_context.clear()
        response["X-Request-ID"] = rid
        return response


class TenancyMiddleware:
    """Start every request with no organizer context, only the signed-in user.

    Organizer views widen it with ``organizers.access.organizer_view``; public views stay here,
    where RLS only shows what public pages may read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        tenancy.activate(user_id=user_id)
        try:
            return self.get_response(request)
        finally:
            tenancy.reset()
