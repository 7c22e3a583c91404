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


class DomainErrorMiddleware:
    """Turn a ``DomainError`` that escapes a view into a friendly page with its status code.

    Views that can recover (forms) catch errors themselves and show them next to the fields; this
    is the one mapping for everything else (404 for a foreign organizer's event, 403 for a role).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from blackcanyon.core.errors import DomainError

        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/") or (
            request.accepts("application/json") and not (request.accepts("text/html"))
        ):
            from django.http import JsonResponse

            return JsonResponse(exception.to_json(), status=exception.status)
        return render(
            request,
            "core/error.html",
            {"error": exception, "status": exception.status},
            status=exception.status,
        )
