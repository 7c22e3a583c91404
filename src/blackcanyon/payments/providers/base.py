"""The payment provider interface: everything checkout needs from a way to pay.

A provider is started once the buyer's details are recorded (the order is ``pending``). ``start``
returns the URL the buyer must go to — Oscar's ``RedirectRequired`` as a return value: Stripe
Checkout's hosted page, or the test provider's own page. The provider later reports the outcome
through the orders services, outside any inventory lock and idempotently per reference:
``order_confirm_payment(provider=name, reference=..., amount=...)`` or
``payment_record_declined(...)``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from django.http import HttpRequest

from blackcanyon.orders.models import Order


@runtime_checkable
class PaymentProvider(Protocol):
    #: Stable identifier, stored on the order and its payment attempts ("test", "stripe").
    name: str
    #: What the buyer reads on the checkout button's page ("Test payment", "Card").
    label: str

    def start(self, *, order: Order, request: HttpRequest) -> str:
        """Begin paying ``order`` (pending, total > 0); return the URL to send the buyer to.

        Raises ``payments.errors.PaymentProviderError`` when the provider cannot take payments
        now (nothing was charged).
        """
        ...
