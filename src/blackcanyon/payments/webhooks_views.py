"""``POST /webhooks/stripe/``: Stripe's webhook endpoint. Thin: verify, store, acknowledge.

The signature is checked on the raw body before anything is parsed; the event is stored once and
processed by the worker (``tasks.process_stripe_event``), so Stripe gets its 200 fast. A refused
request is a security event: a WARNING log line with the request id and client address (never
the secret or the body) and an audit entry ``payments.stripe_webhook.refused`` with the reason
only, so a flood cannot fill the audit log (kept for years): at most
``REFUSALS_AUDITED_PER_HOUR`` per client, counting an IPv6 client by its /64 (one subscriber may
rotate through a whole /64), and at most ``REFUSALS_AUDITED_PER_HOUR_ALL`` across all clients,
against a flood from many addresses. Every refusal still gets its log line. The address is
personal data: it stays in the log line, whose retention is short, and never enters the audit
log.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from blackcanyon.core import audit, ratelimit, request_context
from blackcanyon.core.errors import RateLimited
from blackcanyon.payments.stripe.webhooks import (
    WebhookRefused,
    stripe_event_receive,
    stripe_event_verify,
)

logger = logging.getLogger("blackcanyon.security")

# Stripe's payloads are a few kB; refuse anything absurd before reading it.
MAX_BODY_BYTES = 512 * 1024
REFUSALS_AUDITED_PER_HOUR = 30
REFUSALS_AUDITED_PER_HOUR_ALL = 100


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    client = ratelimit.client_ip(request)
    logger.warning(
        "Stripe webhook refused: %s (request %s, client %s)",
        reason,
        request_context.request_id() or "-",
        client,
    )
    if _audit_allowed(client):
        with transaction.atomic():
            audit.record(
                actor=None,
                action="payments.stripe_webhook.refused",
                data={"reason": reason},
            )
    return HttpResponseBadRequest(f"Webhook refused: {reason}.", content_type="text/plain")


def _audit_allowed(client: str) -> bool:
    """Whether this refusal still gets an audit entry: the client's (or its /64's) hourly
    allowance first, then the allowance shared by every client. A client over its own allowance
    does not use up the shared one."""
    try:
        ratelimit.hit(
            scope="stripe_webhook_refused",
            identity=ratelimit.address_network(client),
            limit=REFUSALS_AUDITED_PER_HOUR,
        )
        ratelimit.hit(
            scope="stripe_webhook_refused_all",
            identity="all",
            limit=REFUSALS_AUDITED_PER_HOUR_ALL,
        )
    except RateLimited:
        return False
    return True


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    length = request.headers.get("Content-Length", "0")
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return _refused(request, "too_large")
    try:
        event = stripe_event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookRefused as error:
        return _refused(request, error.reason)
    stored = stripe_event_receive(event=event)
    return JsonResponse({"received": True, "duplicate": not stored})
