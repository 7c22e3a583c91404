"""Reads for the organizer's order page: what an order paid with Stripe cost in fees.

The platform fee is the ``application_fee`` stored on the order's paid ``StripeCheckout`` (it is
fixed when the session is made); Stripe's own fee and the organizer's net come from the ledger
once the payment's entry is recorded (``ledger.selectors.order_payment_figures``). A second
payment of the same order that was refunded automatically (a late payment: its checkout is
``refunded``) has its own payment entry in the ledger; its charge — named in the checkout's
``payments.stripe_checkout.refunded`` audit entry — is left out, so only the paid checkout's
charge counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from blackcanyon.core.models import AuditLog
from blackcanyon.core.money import Money
from blackcanyon.ledger.selectors import order_payment_figures
from blackcanyon.orders.models import Order
from blackcanyon.payments.models import CheckoutStatus, StripeCheckout


@dataclass(frozen=True)
class OrderFeeSummary:
    """``kind``: ``stripe`` (paid with Stripe: the figures below), ``awaiting`` (a Stripe
    payment not completed yet) or ``none`` (TEST MODE, box office, offline, free: no fee)."""

    kind: str
    gross: Money | None = None
    platform_fee: Money | None = None
    #: None until Stripe reports the charge (the ledger has no payment entry yet).
    stripe_fee: Money | None = None
    stripe_fee_bearer: str = "platform"
    net: Money | None = None


def order_fee_summary(*, order: Order) -> OrderFeeSummary:
    """Gross, platform fee and — once known — Stripe's fee and the organizer's net for an order
    paid with Stripe. Call in the order's organizer context."""
    checkouts = StripeCheckout.objects.filter(order_id=order.pk, organizer_id=order.organizer_id)
    paid = checkouts.filter(status=CheckoutStatus.PAID).order_by("-settled_at", "-id").first()
    if paid is None:
        waiting = checkouts.filter(
            status__in=(CheckoutStatus.OPEN, CheckoutStatus.PROCESSING)
        ).exists()
        return OrderFeeSummary(kind="awaiting" if waiting else "none")
    currency = paid.currency.upper()
    figures = order_payment_figures(
        organizer_id=order.organizer_id,
        order_id=order.pk,
        currency=currency,
        except_charges=_late_payment_charges(order),
    )
    if figures is None:
        return OrderFeeSummary(
            kind="stripe",
            gross=Money(paid.amount, currency),
            platform_fee=Money(paid.application_fee, currency),
        )
    return OrderFeeSummary(
        kind="stripe",
        gross=Money(figures.gross, currency),
        platform_fee=Money(figures.platform_fee, currency),
        stripe_fee=Money(figures.stripe_fee, currency),
        stripe_fee_bearer=figures.stripe_fee_bearer,
        net=Money(figures.net, currency),
    )


def _late_payment_charges(order: Order) -> set[str]:
    """The charges of the order's payments that went back automatically (late payments), as
    their ``payments.stripe_checkout.refunded`` audit entries name them."""
    rows = AuditLog.objects.filter(
        organizer_id=order.organizer_id,
        action="payments.stripe_checkout.refunded",
        object_type=Order._meta.label_lower,
        object_id=str(order.pk),
    ).values_list("data", flat=True)
    return {str(data["charge"]) for data in rows if isinstance(data, dict) and data.get("charge")}
