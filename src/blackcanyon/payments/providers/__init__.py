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
}


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called ``name`` (default: ``settings.BCT_PAYMENT_PROVIDER``).

    Raises ``UnknownPaymentProvider`` (503 to the buyer, nothing charged) for a name that is not
    registered.
    """
    key = name if name is not None else settings.BCT_PAYMENT_PROVIDER
    path = PROVIDERS.get(key)
    if path is None:
        raise UnknownPaymentProvider()
    provider: PaymentProvider = import_string(path)()
    return provider


__all__ = ["PROVIDERS", "PaymentProvider", "get_provider"]
