"""``POST /webhooks/stripe/``: Stripe's webhook endpoint. Thin: verify, store, acknowledge.

The signature is checked on the raw body before anything is parsed; the event is stored once and
processed by the worker (``tasks.process_stripe_event``), so Stripe gets its 200 fast. A refused
request is a security event: a WARNING log line with the request id and client address (never
the secret or the body) and an audit entry ``payments.stripe_webhook.refused`` with the reason
only (at most ``REFUSALS_AUDITED_PER_HOUR`` per client address, so a flood cannot fill the audit
log). The address is personal data: it stays in the log line, whose retention is short, and
never enters the audit log, which is kept for years.
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


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    client = ratelimit.client_ip(request)
    logger.warning(
        "Stripe webhook refused: %s (request %s, client %s)",
        reason,
        request_context.request_id() or "-",
        client,
    )
    try:
        ratelimit.hit(
            scope="stripe_webhook_refused", identity=client, limit=REFUSALS_AUDITED_PER_HOUR
        )
    except RateLimited:
        pass
    else:
        with transaction.atomic():
            audit.record(
                actor=None,
                action="payments.stripe_webhook.refused",
                data={"reason": reason},
            )
    return HttpResponseBadRequest(f"Webhook refused: {reason}.", content_type="text/plain")


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
