"""Payment failures, split like Oscar's ``payment/exceptions.py``.

* Anticipated: the buyer's payment was declined. That is an outcome, not an error here: providers
  record it with ``orders.services.payment_record_declined`` and the buyer retries
  (``orders.errors.PaymentDeclined`` is its code for the API).
* Unanticipated: the provider cannot be reached or is not configured (``PaymentProviderError``):
  nothing was charged, the reservation stays, the buyer is asked to try again later.
"""

from __future__ import annotations

from blackcanyon.core.errors import DomainError


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
