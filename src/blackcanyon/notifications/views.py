"""The delivery webhook's entry point; anymail (and requests with it) loads on the first call,
not in every web process at start-up."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def resend_webhook(request: HttpRequest) -> HttpResponse:
    from blackcanyon.notifications import webhooks

    return webhooks.resend_webhook(request)
