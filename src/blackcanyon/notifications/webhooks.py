"""Resend delivery webhooks: ``POST /webhooks/email/resend/`` (docs/email.md).

anymail's Resend tracking view verifies the Svix signature with ``ANYMAIL["RESEND_SIGNING_SECRET"]``
and parses the event; this thin receiver hands each event to one service instead of anymail's
signal. Without a signing secret the endpoint refuses everything: an unverified event must never
change a message.
"""

from __future__ import annotations

import logging
from typing import Any

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.resend import ResendTrackingWebhookView
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt

from blackcanyon.notifications import services

logger = logging.getLogger(__name__)


def signing_secret() -> str:
    return str(getattr(settings, "ANYMAIL", {}).get("RESEND_SIGNING_SECRET") or "")


class ResendDeliveryWebhook(ResendTrackingWebhookView):
    """Verified delivery events from Resend → ``services.delivery_event_receive``."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.run_validators(request)
            events = self.parse_events(request)
        except AnymailWebhookValidationFailure:
            logger.warning("Resend webhook refused: bad or missing signature")
            return HttpResponseBadRequest("Invalid signature.")
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("Resend webhook refused: malformed payload")
            return HttpResponseBadRequest("Malformed payload.")
        for event in events:
            services.delivery_event_receive(
                provider="resend",
                event=str(event.event_type),
                provider_message_id=event.message_id,
                occurred_at=event.timestamp,
                detail=event.description,
            )
        return HttpResponse()


_view = ResendDeliveryWebhook.as_view()


@csrf_exempt
def resend_webhook(request: HttpRequest) -> HttpResponse:
    """Refuse everything until a signing secret is configured; else verify and record."""
    if not signing_secret():
        logger.warning("Resend webhook called but RESEND_SIGNING_SECRET is not set")
        return HttpResponseBadRequest("Webhook signing secret not configured.")
    return _view(request)
