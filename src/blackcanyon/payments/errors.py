"""Payment failures, split like Oscar's ``payment/exceptions.py``.

* Anticipated: the buyer's payment was declined. That is an outcome, not an error here: providers
  record it with ``orders.services.payment_record_declined`` and the buyer retries
  (``orders.errors.PaymentDeclined`` is its code for the API).
* Unanticipated: the provider cannot be reached or is not configured (``PaymentProviderError``):
  nothing was charged, the reservation stays, the buyer is asked to try again later.
"""

from __future__ import annotations

from blackcanyon.core.errors import DomainError, ValidationFailed


class PaymentProviderError(DomainError):
    code = "payment_provider_error"
    status = 503
    default_message = (
        "Payments are not available right now. Nothing was charged; please try again in a few"
        " minutes."
    )


class UnknownPaymentProvider(PaymentProviderError):
    code = "payment_provider_unknown"
    default_message = "Online payment is not configured for this site."


class StripeNotConfigured(PaymentProviderError):
    code = "stripe_not_configured"
    default_message = "Stripe is not set up on this site, so online payouts cannot be connected."


class StripeUnavailable(PaymentProviderError):
    """Stripe could not be reached or failed (network, 5xx, rate limit): try again later."""

    code = "stripe_unavailable"
    default_message = (
        "Stripe could not be reached just now. Nothing was changed; please try again in a minute."
    )


class StripeRefused(PaymentProviderError):
    """Stripe answered with an error we did not expect (bad key, refused parameters)."""

    code = "stripe_refused"
    status = 502
    default_message = (
        "Stripe refused the request. Nothing was changed; please try again later or contact"
        " support if it keeps happening."
    )


class StripeAccountMismatch(ValidationFailed):
    """An ``account.updated`` payload for another account than the one named."""

    code = "stripe_account_mismatch"
    default_message = "This Stripe account update is for a different account."


class PaidEventNeedsStripe(ValidationFailed):
    """Publishing an event with paid tickets before the organizer can take card payments."""

    code = "stripe_charges_not_enabled"
    default_message = (
        "This event has paid tickets, and your Stripe account cannot take payments yet. Connect"
        " Stripe and finish onboarding on the Payments settings page, then publish. Free events can"
        " be published now."
    )


class StripeDashboardNotReady(ValidationFailed):
    """The Stripe dashboard link asked for before the organizer finished onboarding."""

    code = "stripe_dashboard_not_ready"
    status = 409
    default_message = (
        "Your Stripe dashboard opens once you have finished onboarding. Choose “Continue with"
        " Stripe” first."
    )
