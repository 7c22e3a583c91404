"""``{% order_fees order %}`` on the organizer's order page: gross, platform fee, Stripe's fee and
the organizer's net for an order paid with Stripe (``fee_selectors.order_fee_summary``). A tag in
payments, so orders code does not import payments (payments sits above orders)."""

from __future__ import annotations

from typing import Any

from django import template

from blackcanyon.orders.models import Order
from blackcanyon.payments.fee_selectors import order_fee_summary

register = template.Library()


@register.inclusion_tag("payments/_order_fee.html")
def order_fees(order: Order) -> dict[str, Any]:
    return {"order": order, "fees": order_fee_summary(order=order)}
