"""Reads for the organizer's order and code pages. Every selector filters by organizer (the first
wall) and runs in the organizer's tenant context (RLS, the second wall)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum

from blackcanyon.core.models import AuditLog
from blackcanyon.core.money import Money
from blackcanyon.events.models import Event, TicketType
from blackcanyon.events.selectors import event_currency
from blackcanyon.orders import errors
from blackcanyon.orders.codes import normalize_code
from blackcanyon.orders.models import (
    DiscountCode,
    DiscountCodeTicketType,
    DiscountKind,
    Order,
    OrderLine,
    PaymentAttempt,
    Ticket,
)
from blackcanyon.organizers.models import Organizer

ORDER_OBJECT_TYPE = "orders.order"

# What each audit action of an order means to an organizer, for the order's timeline.
TIMELINE_LABELS: dict[str, str] = {
    "orders.order.reserved": "Tickets reserved",
    "orders.order.rereserved": "Tickets reserved again",
    "orders.order.details_submitted": "Buyer details entered, terms accepted",
    "orders.payment.declined": "Payment declined",
    "orders.order.paid": "Paid, tickets issued",
    "orders.order.paid_free": "Free order confirmed, tickets issued",
    "orders.order.marked_paid": "Marked paid (offline payment), tickets issued",
    "orders.order.sold_at_box_office": "Sold at the box office, tickets issued",
    "orders.order.expired": "Reservation expired, tickets released",
    "orders.order.cancelled": "Order cancelled",
    "orders.order.refunded": "Order refunded, tickets cancelled",
    "orders.order.partially_refunded": "Partly refunded",
    "payments.refund.requested": "Refund requested",
    "payments.refund.failed": "Refund failed",
    "payments.refund.dashboard": "Refunded in Stripe's dashboard",
    "payments.refund.recorded": "Refund recorded",
    "payments.dispute.created": "Payment disputed by the buyer's bank",
    "payments.dispute.won": "Dispute won: the held amount is back",
    "payments.dispute.lost": "Dispute lost: the amount went back to the buyer",
    "payments.dispute.inquiry": "Inquiry from the buyer's bank (no money withdrawn)",
    "payments.dispute.funds_withdrawn": "Dispute: Stripe withdrew the disputed amount",
    "payments.dispute.funds_reinstated": "Dispute: Stripe returned the held amount",
    "payments.dispute.inquiry_closed": "Inquiry closed without a dispute",
    "payments.dispute.closed": "Dispute closed",
    "orders.order.confirmation_resent": "Confirmation email sent again",
    "tickets.ticket.reissued": "Ticket re-issued (new QR code)",
}

# Timeline entries whose details are an amount (and the tickets cancelled).
MONEY_BACK_ACTIONS = frozenset(
    {
        "orders.order.refunded",
        "orders.order.partially_refunded",
        "payments.refund.requested",
        "payments.refund.failed",
        "payments.refund.dashboard",
        "payments.refund.recorded",
        "payments.dispute.created",
        "payments.dispute.won",
        "payments.dispute.lost",
        "payments.dispute.inquiry",
        "payments.dispute.funds_withdrawn",
        "payments.dispute.funds_reinstated",
    }
)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    when: datetime
    label: str
    actor: str  # who did it: a team member's name or email, or "" for the buyer / the system
    details: str


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    lines: list[OrderLine]
    tickets: list[Ticket]
    payment_attempts: list[PaymentAttempt]
    timeline: list[TimelineEntry]
    code_ticket_types: list[str] = field(default_factory=list)

    def money(self, amount: int) -> Money:
        return Money(amount, self.order.currency)

    @property
    def subtotal(self) -> Money:
        return self.money(self.order.subtotal)

    @property
    def discount_total(self) -> Money:
        return self.money(self.order.discount_total)

    @property
    def total(self) -> Money:
        return self.money(self.order.total)


def order_list_for_organizer(
    *, organizer: Organizer, q: str = "", status: str = "", event_id: int | None = None
) -> QuerySet[Order]:
    """The organizer's orders, newest first, each with its event and ``ticket_count``.

    ``q`` matches the order code (typed in any case, with or without dashes), or part of the
    buyer's email or name, case-insensitively.
    """
    orders = Order.objects.filter(organizer=organizer)
    if event_id is not None:
        orders = orders.filter(event_id=event_id)
    if status:
        orders = orders.filter(status=status)
    text = " ".join(q.split())
    if text:
        match = Q(buyer_email__icontains=text) | Q(buyer_name__icontains=text)
        code = normalize_code(text)
        if code:
            match |= Q(code__icontains=code)
        orders = orders.filter(match)
    return (
        orders.select_related("event")
        .only(
            "code",
            "status",
            "buyer_name",
            "buyer_email",
            "currency",
            "total",
            "created_at",
            "event__id",
            "event__title",
        )
        .annotate(ticket_count=Sum("lines__quantity", default=0))
        .order_by("-created_at", "-id")
    )


def event_choices_for_organizer(*, organizer: Organizer) -> list[tuple[int, str]]:
    """(id, title) of the organizer's events, latest start first, for the orders filter."""
    return list(
        Event.objects.filter(organizer=organizer)
        .order_by("-starts_at", "-id")
        .values_list("pk", "title")
    )


def _actor_name(entry: AuditLog) -> str:
    if entry.actor is None:
        return ""
    return str(getattr(entry.actor, "full_name", "") or entry.actor.email)


def _details(entry: AuditLog, currency: str) -> str:
    data: dict[str, Any] = entry.data or {}
    if entry.action == "orders.order.cancelled":
        parts = []
        if data.get("reason"):
            parts.append(f"Reason: {data['reason']}")
        if data.get("tickets_cancelled"):
            parts.append(f"{data['tickets_cancelled']} ticket(s) cancelled")
        return ". ".join(parts)
    if entry.action in MONEY_BACK_ACTIONS:
        money = Money(int(data.get("amount") or 0), currency).format()
        tickets = data.get("tickets_cancelled")
        return f"{money}; {tickets} ticket(s) cancelled" if tickets else money
    if entry.action == "orders.payment.declined":
        return f"via {data['provider']}" if data.get("provider") else ""
    if "total" in data and isinstance(data.get("total"), int):
        money = Money(data["total"], str(data.get("currency") or currency)).format()
        provider = data.get("provider")
        return f"{money} via {provider}" if provider else money
    return ""


def order_timeline(*, organizer: Organizer, order: Order) -> list[TimelineEntry]:
    """The order's audit entries, oldest first, with labels an organizer understands."""
    entries = (
        AuditLog.objects.filter(
            organizer=organizer, object_type=ORDER_OBJECT_TYPE, object_id=str(order.pk)
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [
        TimelineEntry(
            when=entry.created_at,
            label=TIMELINE_LABELS.get(
                entry.action, entry.action.rsplit(".", 1)[-1].replace("_", " ").capitalize()
            ),
            actor=_actor_name(entry),
            details=_details(entry, order.currency),
        )
        for entry in entries
    ]


def order_detail_for_organizer(*, organizer: Organizer, code: str) -> OrderDetail:
    """One of the organizer's orders with its lines, tickets, payments and timeline.

    Raises OrderNotFound (404) for an unknown code or another organizer's order.
    """
    order = (
        Order.objects.filter(organizer=organizer, code=normalize_code(code))
        .select_related("event", "event__organizer", "discount_code")
        .first()
    )
    if order is None:
        raise errors.OrderNotFound()
    code_types: list[str] = []
    if order.discount_code_id is not None:
        code_types = list(
            DiscountCodeTicketType.objects.filter(discount_code_id=order.discount_code_id)
            .order_by("ticket_type__position", "ticket_type_id")
            .values_list("ticket_type__name", flat=True)
        )
    return OrderDetail(
        order=order,
        lines=list(OrderLine.objects.filter(order=order).select_related("ticket_type")),
        tickets=list(Ticket.objects.filter(order=order).select_related("ticket_type")),
        payment_attempts=list(
            PaymentAttempt.objects.filter(order=order).order_by("created_at", "id")
        ),
        timeline=order_timeline(organizer=organizer, order=order),
        code_ticket_types=code_types,
    )


def order_get_for_organizer(*, organizer: Organizer, code: str) -> Order:
    """One of the organizer's orders (for an action); OrderNotFound for anyone else's."""
    order = (
        Order.objects.filter(organizer=organizer, code=normalize_code(code))
        .select_related("event", "event__organizer")
        .first()
    )
    if order is None:
        raise errors.OrderNotFound()
    return order


# --- discount and access codes -----------------------------------------------------------------


@dataclass(frozen=True)
class CodeRow:
    """A code as the organizer's list shows it."""

    code: DiscountCode
    ticket_type_names: list[str]
    currency: str

    @property
    def value_text(self) -> str:
        kind, value = self.code.kind, self.code.value
        if kind == DiscountKind.PERCENT:
            return f"{value}% off"
        if kind == DiscountKind.FIXED:
            return f"{Money(value, self.currency).format()} off per ticket"
        return "No discount"


def discount_codes_for_event(*, organizer: Organizer, event: Event) -> list[CodeRow]:
    """The event's codes (active first, then by code) with the names of their ticket types."""
    links = DiscountCodeTicketType.objects.select_related("ticket_type").order_by(
        "ticket_type__position", "ticket_type_id"
    )
    codes = (
        DiscountCode.objects.filter(organizer=organizer, event=event)
        .prefetch_related(Prefetch("discountcodetickettype_set", queryset=links))
        .order_by("-active", "code")
    )
    currency = event_currency(event=event)
    return [
        CodeRow(
            code=code,
            ticket_type_names=[
                link.ticket_type.name for link in code.discountcodetickettype_set.all()
            ],
            currency=currency,
        )
        for code in codes
    ]


def discount_code_get_for_event(
    *, organizer: Organizer, event: Event, code_id: int
) -> DiscountCode:
    """One code of the event; DiscountCodeNotFound (404) for anyone else's."""
    code = DiscountCode.objects.filter(organizer=organizer, event=event, pk=code_id).first()
    if code is None:
        raise errors.DiscountCodeNotFound()
    return code


def discount_code_type_ids(*, discount_code: DiscountCode) -> list[int]:
    return list(
        DiscountCodeTicketType.objects.filter(discount_code=discount_code).values_list(
            "ticket_type_id", flat=True
        )
    )


def ticket_type_choices(*, event: Event) -> list[tuple[int, str]]:
    """(id, label) of the event's ticket types, hidden ones marked, for the code form."""
    return [
        (t.pk, f"{t.name} (hidden)" if t.hidden else t.name)
        for t in TicketType.objects.filter(event=event).only("name", "hidden")
    ]
