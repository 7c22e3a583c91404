"""The registry of payment providers; ``settings.BCT_PAYMENT_PROVIDER`` picks the one checkout
uses. Add a provider by writing a module with a class that follows ``base.PaymentProvider`` and
listing it in ``PROVIDERS``."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from blackcanyon.payments.errors import UnknownPaymentProvider
from blackcanyon.payments.providers.base import PaymentProvider

PROVIDERS: dict[str, str] = {
    "test": "blackcanyon.payments.providers.test.TestProvider",
    "stripe": "blackcanyon.payments.stripe.checkout.StripeProvider",
}


def default_provider_name() -> str:
    """``settings.BCT_PAYMENT_PROVIDER`` if set, else ``stripe`` when a Stripe secret key is
    configured and the TEST MODE provider otherwise."""
    from blackcanyon.payments.stripe.client import stripe_enabled

    configured = str(settings.BCT_PAYMENT_PROVIDER or "")
    if configured:
        return configured
    return "stripe" if stripe_enabled() else "test"


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called ``name`` (default: ``default_provider_name()``).

    Raises ``UnknownPaymentProvider`` (503 to the buyer, nothing charged) for a name that is not
    registered.
    """
    key = name if name is not None else default_provider_name()
    path = PROVIDERS.get(key)
    if path is None:
        raise UnknownPaymentProvider()
    provider: PaymentProvider = import_string(path)()
    return provider


__all__ = ["PROVIDERS", "PaymentProvider", "default_provider_name", "get_provider"]
