"""The test provider's payment page: TEST MODE, approve or decline. Thin: one service per action."""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from blackcanyon.core import clock
from blackcanyon.core.errors import DomainError
from blackcanyon.orders import access, services
from blackcanyon.orders.models import Order, OrderStatus
from blackcanyon.orders.selectors_shop import hold_expired
from blackcanyon.orders.views.headers import private_page
from blackcanyon.orders.views.shop import hold_context
from blackcanyon.payments.providers import test as test_provider

DECLINED = "Your payment was declined. You can try again."
APPROVED = "Payment approved. You're going! Your tickets are below and on their way to {email}."
# One attempt = one rendering of the page; a double-click on "Approve" repeats its reference,
# so the order is confirmed once (order_confirm_payment is idempotent per reference).
ATTEMPT_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _attempt(request: HttpRequest) -> str | None:
    attempt = str(request.POST.get("attempt", ""))
    return attempt if ATTEMPT_RE.match(attempt) else None


@require_http_methods(["GET", "POST"])
@private_page
def test_payment(request: HttpRequest, organizer_slug: str, code: str, token: str) -> HttpResponse:
    if not test_provider.is_active():
        # Another provider (Stripe) takes the payments: approving here would be a free order.
        raise Http404
    order = access.order_from_link(organizer_slug=organizer_slug, code=code, token=token)
    if order.status == OrderStatus.PAID:
        return redirect(access.order_page_path(order))
    if order.status != OrderStatus.PENDING or hold_expired(order, clock.now()):
        # Details missing, expired or cancelled: checkout explains (and offers to re-reserve).
        return redirect(access.checkout_path(order))
    test_provider.ensure_allowed()
    if request.method == "POST":
        attempt = _attempt(request)
        action = request.POST.get("action")
        if attempt is not None and action in {"approve", "decline"}:
            return _finish(request, order, action=action, reference=f"test-{attempt}")
    return _page(request, order, status=400 if request.method == "POST" else 200)


def _finish(request: HttpRequest, order: Order, *, action: str, reference: str) -> HttpResponse:
    if action == "decline":
        services.payment_record_declined(
            order=order,
            provider=test_provider.NAME,
            reference=reference,
            message="Declined on the test payment page.",
        )
        messages.error(request, DECLINED)
        return redirect(access.checkout_path(order))
    try:
        order = services.order_confirm_payment(
            order=order, provider=test_provider.NAME, reference=reference, amount=order.total
        )
    except DomainError:
        # Paid meanwhile (another attempt), or the hold lapsed and the seats are gone: the
        # checkout / order page shows where the order stands.
        return redirect(access.checkout_path(order))
    messages.success(request, APPROVED.format(email=order.buyer_email))
    return redirect(access.order_page_path(order))


def _page(request: HttpRequest, order: Order, *, status: int) -> HttpResponse:
    prefetch_related_objects([order], "lines__ticket_type")
    return render(
        request,
        "payments/test_payment.html",
        {
            "order": order,
            "event": order.event,
            "lines": list(order.lines.all()),
            "attempt": secrets.token_urlsafe(18),
            "checkout_url": access.checkout_path(order),
            **hold_context(order, clock.now()),
        },
        status=status,
    )
