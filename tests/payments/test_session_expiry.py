"""A buyer who starts a new payment attempt for the same order never leaves an earlier Checkout
Session payable: it is expired on Stripe first (with an idempotency key); if the buyer had
completed it meanwhile, no new session is made and that payment is settled instead."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.orders.access import checkout_path, order_page_path
from blackcanyon.orders.models import OrderStatus
from blackcanyon.payments.models import CheckoutStatus, StripeCheckout
from tests.orders.domain.helpers import fresh
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_checkout_stubs import (
    CHECKOUT_URL,
    CheckoutStub,
    pending_order,
    shop,
    stripe_checkout,
)

pytestmark = pytest.mark.django_db
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture

DETAILS = {"buyer_name": "Ana Canyon", "buyer_email": "ana@example.com", "accept_terms": "on"}


def _submit(client: Client, order: Any) -> Any:
    return client.post(checkout_path(order), DETAILS)


def _checkouts(order: Any) -> list[StripeCheckout]:
    with tenancy.for_organizer(order.organizer_id):
        return list(StripeCheckout.objects.filter(order=order).order_by("attempt"))


def _expire_calls(stub: CheckoutStub) -> list[Any]:
    return [
        c
        for c in stub.mock.calls
        if c.request.method == "POST" and c.request.url.endswith("/expire")
    ]


def test_a_new_attempt_expires_the_open_session_before_making_another(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Given a buyer who went to Stripe and came back without paying
    order = pending_order(shop())
    _submit(client, order)
    first = stripe_checkout.only_session()["id"]

    # When they continue to payment again
    response = _submit(client, order)

    # Then the first session can no longer be paid, and they go to a new one
    assert stripe_checkout.sessions[first]["status"] == "expired"
    (call,) = _expire_calls(stripe_checkout)
    assert first in call.request.url
    assert call.request.headers["Idempotency-Key"].startswith("bct-")
    second = [s for s in stripe_checkout.sessions if s != first]
    assert response.status_code == 302
    assert response["Location"] == CHECKOUT_URL + second[0]
    # And the session is expired before the new one is created
    posts = [c.request.url for c in stripe_checkout.mock.calls if c.request.method == "POST"]
    assert posts[1].endswith(f"{first}/expire")
    assert posts[2].endswith("/checkout/sessions")
    assert [c.attempt for c in _checkouts(order)] == [1, 2]


def test_already_expired_sessions_are_not_a_problem(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order = pending_order(shop())
    _submit(client, order)
    stripe_checkout.expire(stripe_checkout.only_session()["id"])  # it ran out on Stripe

    response = _submit(client, order)

    assert response.status_code == 302
    assert response["Location"].startswith(CHECKOUT_URL)
    assert len(stripe_checkout.sessions) == 2


def test_a_session_paid_meanwhile_is_settled_and_no_new_one_is_made(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Given a buyer who paid in another tab, before the webhook arrived
    order = pending_order(shop())
    _submit(client, order)
    first = stripe_checkout.only_session()["id"]
    stripe_checkout.pay(first)

    # When they submit checkout again in the first tab
    response = _submit(client, order)

    # Then no second session is made: they go to the "payment processing" return page
    assert len(stripe_checkout.sessions) == 1
    assert response.status_code == 302
    assert response["Location"].endswith("/return/")
    assert fresh(order).status == OrderStatus.PENDING
    # And the worker settles the payment they made: one paid order
    with as_worker_role():
        run_pending()
    assert fresh(order).status == OrderStatus.PAID
    (checkout,) = _checkouts(order)
    assert (checkout.session_id, checkout.status) == (first, CheckoutStatus.PAID)
    # And the return page now shows the tickets
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"] == order_page_path(order)


def test_an_async_payment_under_way_is_not_offered_a_second_session(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order = pending_order(shop())
    _submit(client, order)
    first = stripe_checkout.only_session()["id"]
    stripe_checkout.pay(first, payment_status="unpaid")  # a bank debit still processing

    response = _submit(client, order)

    assert response["Location"].endswith("/return/")
    assert len(stripe_checkout.sessions) == 1
    with as_worker_role():
        run_pending()
    assert _checkouts(order)[0].status == CheckoutStatus.PROCESSING
    assert fresh(order).status == OrderStatus.PENDING


def test_stripe_down_while_expiring_makes_no_new_session(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order = pending_order(shop())
    _submit(client, order)
    stripe_checkout.failures["expire_session"] = (
        503,
        {"error": {"message": "Service unavailable", "type": "api_error"}},
    )

    response = _submit(client, order)

    assert response.status_code == 503
    assert len(stripe_checkout.sessions) == 1
    assert fresh(order).status == OrderStatus.PENDING
