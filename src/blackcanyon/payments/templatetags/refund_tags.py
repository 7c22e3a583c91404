"""``{% order_money order %}`` on the organizer's order page: the order's refunds (with "Try
again" for one waiting for Stripe) and a flag for disputes. Lives in payments so that orders
code does not import payments (payments sits above orders)."""

from __future__ import annotations

from typing import Any

from django import template

from blackcanyon.orders.models import Order
from blackcanyon.organizers.access import role_has
from blackcanyon.payments.refunds_selectors import order_money_flags

register = template.Library()


@register.inclusion_tag("payments/refund_list.html", takes_context=True)
def order_money(context: template.Context, order: Order) -> dict[str, Any]:
    request = context.get("request")
    membership = getattr(request, "membership", None)
    return {
        "order": order,
        "organizer": context.get("organizer"),
        "money": order_money_flags(order=order),
        "can_refund": membership is not None and role_has(membership.role, "orders.manage"),
    }
