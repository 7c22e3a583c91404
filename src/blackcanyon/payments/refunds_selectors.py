"""Reads for refunds: what an order paid, what went back, what is left to refund, and its
refunds and disputes for the order page. Run in the organizer's tenant context."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Sum

from blackcanyon.core.money import Money
from blackcanyon.orders.models import Order, OrderLine, Ticket, TicketStatus
from blackcanyon.payments.models import (
    CheckoutStatus,
    Dispute,
    Refund,
    RefundStatus,
    StripeCheckout,
)


@dataclass(frozen=True, slots=True)
class RefundableTicket:
    ticket_id: int
    type_name: str
    attendee_name: str
    price: int  # what the buyer paid for it (unit price less discount)


@dataclass(frozen=True)
class RefundPlan:
    """An order's money for refunding (minor units of ``currency``)."""

    order: Order
    currency: str
    paid: int
    refunded: int
    in_progress: int
    #: The Stripe checkout that took the money (None: paid outside Stripe, or free).
    checkout: StripeCheckout | None
    tickets: list[RefundableTicket] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)

    @property
    def refundable(self) -> int:
        return max(self.paid - self.refunded - self.in_progress, 0)

    @property
    def via_stripe(self) -> bool:
        return self.checkout is not None

    def money(self, amount: int) -> Money:
        return Money(amount, self.currency)

    @property
    def refundable_money(self) -> Money:
        return self.money(self.refundable)

    @property
    def in_progress_money(self) -> Money:
        return self.money(self.in_progress)

    @property
    def refunded_money(self) -> Money:
        return self.money(self.refunded)


def paid_checkout(*, order: Order) -> StripeCheckout | None:
    """The Stripe checkout that paid the order, if Stripe took its money."""
    return (
        StripeCheckout.objects.filter(order=order, status=CheckoutStatus.PAID)
        .exclude(payment_intent_id="")
        .first()
    )


def refunded_total(*, order: Order, status: str = RefundStatus.SUCCEEDED) -> int:
    total = Refund.objects.filter(order=order, status=status).aggregate(s=Sum("amount"))["s"]
    return int(total or 0)


def ticket_prices(*, order: Order) -> dict[int, int]:
    """What the buyer paid per ticket type (after discount)."""
    return {
        line.ticket_type_id: line.unit_price - line.unit_discount
        for line in OrderLine.objects.filter(order=order)
    }


def refund_plan(*, order: Order) -> RefundPlan:
    """Everything the refund page and ``refund_create`` need to know about ``order``."""
    prices = ticket_prices(order=order)
    tickets = [
        RefundableTicket(
            ticket_id=t.pk,
            type_name=t.ticket_type.name,
            attendee_name=t.attendee_name,
            price=prices.get(t.ticket_type_id, 0),
        )
        for t in Ticket.objects.filter(order=order, status=TicketStatus.VALID)
        .select_related("ticket_type")
        .order_by("id")
    ]
    return RefundPlan(
        order=order,
        currency=order.currency,
        paid=order.total if order.paid_at else 0,
        refunded=refunded_total(order=order),
        in_progress=refunded_total(order=order, status=RefundStatus.REQUESTED),
        checkout=paid_checkout(order=order),
        tickets=tickets,
        refunds=list(Refund.objects.filter(order=order).order_by("created_at", "id")),
        disputes=list(Dispute.objects.filter(order=order).order_by("created_at", "id")),
    )


def order_money_flags(*, order: Order) -> dict[str, object]:
    """For the organizer's order page: refunds and open disputes of the order."""
    return {
        "refunds": list(Refund.objects.filter(order=order).order_by("created_at", "id")),
        "disputes": list(Dispute.objects.filter(order=order).order_by("created_at", "id")),
    }
