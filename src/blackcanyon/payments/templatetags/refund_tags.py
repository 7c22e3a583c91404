"""``{% order_money order %}`` on the organizer's order page: the order's refunds (with "Try
again" for one waiting for Stripe), a flag for disputes, and for a cancelled order that was paid
the money left to refund with "Refund…". Lives in payments so that orders
code does not import payments (payments sits above orders)."""

from __future__ import annotations

from typing import Any

from django import template

from blackcanyon.orders.models import Order, OrderStatus
from blackcanyon.organizers.access import role_has
from blackcanyon.payments.refunds import refund_refusal
from blackcanyon.payments.refunds_selectors import order_money_flags, refund_plan

register = template.Library()


@register.inclusion_tag("payments/refund_list.html", takes_context=True)
def order_money(context: template.Context, order: Order) -> dict[str, Any]:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    can_refund = membership is not None and role_has(membership.role, "orders.manage")
    left = None  # a cancelled order that was paid: the money not refunded yet
    if can_refund and order.status == OrderStatus.CANCELLED and order.paid_at and order.total:
        plan = refund_plan(order=order)
        left = plan.refundable_money if refund_refusal(plan=plan) is None else None
    return {
        "order": order,
        "organizer": context.get("organizer"),
        "money": order_money_flags(order=order),
        "can_refund": can_refund,
        "cancelled_refund_left": left,
    }
