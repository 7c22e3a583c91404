"""The one place a ``stripe.StripeClient`` is built.

* Enabled only when ``STRIPE_SECRET_KEY`` is set (``stripe_enabled``); without it the TEST MODE
  provider stays the default and nothing here is called.
* The SDK retries network failures (``STRIPE_MAX_NETWORK_RETRIES``); every ``create`` call passes
  an idempotency key (``idempotency_key``), so a retry — the SDK's or ours — never creates twice.
* HTTP goes through ``requests`` (``stripe.RequestsClient``, a dependency of the SDK) with a
  timeout, which is also what the tests stub with ``responses`` (no network in tests).
"""

from __future__ import annotations

import hashlib
import logging

import stripe
from django.conf import settings

from blackcanyon.payments.errors import StripeNotConfigured, StripeRefused, StripeUnavailable

logger = logging.getLogger(__name__)


def stripe_enabled() -> bool:
    """Stripe is in use on this site (a secret key is configured)."""
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client() -> stripe.StripeClient:
    """A client with the platform's secret key, retries and a timeout.

    Raises ``StripeNotConfigured`` when no key is set.
    """
    if not stripe_enabled():
        raise StripeNotConfigured()
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def idempotency_key(*parts: object) -> str:
    """A stable key for one logical create call, e.g. ``("account", organizer_id)``.

    Salted with the site's public URL so two installations sharing a Stripe platform account
    (staging and production) never collide on "organizer 1".
    """
    raw = "|".join([settings.PUBLIC_APP_URL, *(str(p) for p in parts)])
    return "bct-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def translate_error(error: stripe.StripeError, *, doing: str) -> StripeUnavailable | StripeRefused:
    """Map an SDK error to a domain error; the details go to the log, never to the page."""
    logger.warning(
        "Stripe call failed while %s: %s (http %s, code %s, request %s)",
        doing,
        type(error).__name__,
        error.http_status,
        error.code,
        error.request_id,
    )
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError) or (
        error.http_status is not None and error.http_status >= 500
    ):
        return StripeUnavailable()
    return StripeRefused()
