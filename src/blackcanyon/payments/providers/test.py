"""The ``test`` provider: the embedded default, so the whole flow works without any account.

It sends the buyer to a page clearly labelled TEST MODE where they approve or decline the
payment. Nothing is ever charged, so it refuses to run in the production profile: a production
site with test payments would hand out tickets for free. For the same reason its page exists
only while it is the active provider (``is_active``): on a staging site with Stripe keys, it
would confirm orders nobody paid for.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from blackcanyon.orders.access import token_for
from blackcanyon.orders.models import Order
from blackcanyon.payments.errors import PaymentProviderError
from blackcanyon.payments.providers import default_provider_name

NAME = "test"


def is_allowed() -> bool:
    """Test payments never run in the production profile."""
    return settings.BCT_ENV != "production"


def is_active() -> bool:
    """This is the provider checkout uses (``default_provider_name()``: no Stripe key, or
    ``PAYMENT_PROVIDER=test``). Otherwise the TEST MODE page is not there (404)."""
    return default_provider_name() == NAME


def ensure_allowed() -> None:
    if not is_allowed():
        raise PaymentProviderError(
            "Online payment is not configured for this site yet. Nothing was charged."
        )


class TestProvider:
    __test__ = False  # not a pytest test class

    name = NAME
    label = "Test payment"

    def start(self, *, order: Order, request: HttpRequest) -> str:
        ensure_allowed()
        return reverse(
            "payments:test_payment",
            kwargs={
                "organizer_slug": order.event.organizer.slug,
                "code": order.code,
                "token": token_for(order),
            },
        )
