"""Where Stripe Checkout sends the buyer back: success (``payment processing`` until the webhook
or the reconciler confirms the order) and cancel (back to checkout, reservation kept).

Neither makes a Stripe call nor changes the order: only verified events do that.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from blackcanyon.orders import access
from blackcanyon.orders.models import OrderStatus
from blackcanyon.orders.views.headers import private_page

PAID = "Payment received. You're going! Your tickets are below and on their way to {email}."
CANCELLED = "Payment cancelled: nothing was charged. Your tickets are still reserved for you."
# The processing page asks again every few seconds (a script; no meta refresh).
RECHECK_SECONDS = 4


@require_GET
@private_page
def stripe_return(request: HttpRequest, organizer_slug: str, code: str, token: str) -> HttpResponse:
    order = access.order_from_link(organizer_slug=organizer_slug, code=code, token=token)
    if order.status == OrderStatus.PAID:
        messages.success(request, PAID.format(email=order.buyer_email))
        return redirect(access.order_page_path(order))
    return render(
        request,
        "payments/stripe_processing.html",
        {
            "order": order,
            "event": order.event,
            "order_url": access.order_page_path(order),
            "recheck_ms": RECHECK_SECONDS * 1000,
        },
    )


@require_GET
@private_page
def stripe_cancel(request: HttpRequest, organizer_slug: str, code: str, token: str) -> HttpResponse:
    order = access.order_from_link(organizer_slug=organizer_slug, code=code, token=token)
    if order.status == OrderStatus.PENDING:
        messages.info(request, CANCELLED)
    return redirect(access.checkout_path(order))
