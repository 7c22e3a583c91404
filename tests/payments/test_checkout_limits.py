"""What one buyer can make us ask of Stripe from checkout: each new payment attempt costs a
constant number of Stripe calls however many came before (an earlier session Stripe confirms
closed is marked ``expired`` at once, never asked about again), payment starts are limited per
order and per client address with a clear message on the checkout page, a payment the buyer
completed on an earlier session is still settled — and the TEST MODE page only exists while the
test provider takes the payments."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from blackcanyon.core import tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.orders.access import checkout_path, token_for
from blackcanyon.orders.models import Order, OrderStatus, PaymentAttempt
from blackcanyon.payments.models import CheckoutStatus, StripeCheckout, StripeEvent
from tests.orders.domain.helpers import actions, fresh
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_checkout_stubs import (
    CHECKOUT_URL,
    CheckoutStub,
    deliver,
    event_object,
    pending_order,
    shop,
    stripe_checkout,
)

pytestmark = pytest.mark.django_db
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture

DETAILS = {"buyer_name": "Ana Canyon", "buyer_email": "ana@example.com", "accept_terms": "on"}
ORDER_LIMIT = 10  # payment starts per order per hour (orders.views.shop.PAY_ORDER_LIMIT)


def _submit(client: Client, order: Order, address: str = "198.51.100.7") -> Any:
    return client.post(checkout_path(order), DETAILS, REMOTE_ADDR=address)


def _kind(call: Any) -> str:
    path = call.request.url.split("?")[0]
    if call.request.method == "GET" and "/checkout/sessions/" in path:
        return "retrieve"
    if path.endswith("/expire"):
        return "expire"
    if path.endswith("/checkout/sessions"):
        return "create"
    return path


def _stripe_calls_of(stub: CheckoutStub, step: Any) -> tuple[Any, Counter[str]]:
    """Run ``step``; return its result and the Stripe calls it made, by kind."""
    before = len(stub.mock.calls)
    result = step()
    return result, Counter(_kind(call) for call in list(stub.mock.calls)[before:])


def _checkouts(order: Order) -> list[StripeCheckout]:
    with tenancy.for_organizer(order.organizer_id):
        return list(StripeCheckout.objects.filter(order=order).order_by("attempt"))


def _process() -> None:
    with as_worker_role():
        run_pending()


# --- Constant cost per attempt -------------------------------------------------------------------


def test_every_new_attempt_costs_one_expire_and_one_create_however_many_came_before(
    client: Client, stripe_checkout: CheckoutStub, settings: Any
) -> None:
    # Given a buyer who keeps going to Stripe and coming back (limit raised to show the cost)
    settings.BCT_SHOP_PAY_ORDER_LIMIT = 100
    order = pending_order(shop())
    attempts = 15

    # When they submit checkout again and again
    costs = []
    for _ in range(attempts):
        response, calls = _stripe_calls_of(stripe_checkout, lambda: _submit(client, order))
        assert response.status_code == 302
        assert response["Location"].startswith(CHECKOUT_URL)
        costs.append(calls)

    # Then the first attempt creates a session, and every later one expires the one before and
    # creates one: Stripe is never asked again about a session already expired
    assert costs[0] == Counter(create=1)
    assert costs[1:] == [Counter(expire=1, create=1)] * (attempts - 1)
    assert len(stripe_checkout.calls("POST", "/checkout/sessions")) == attempts
    # And our copies say what Stripe says: only the last session can still be paid
    statuses = [c.status for c in _checkouts(order)]
    assert statuses == [CheckoutStatus.EXPIRED] * (attempts - 1) + [CheckoutStatus.OPEN]
    assert [s["status"] for s in stripe_checkout.sessions.values()].count("open") == 1
    # And each earlier session's expiry is audited once
    audited = Counter(actions(order))
    assert audited["payments.stripe_checkout.started"] == attempts
    assert audited["payments.stripe_checkout.expired"] == attempts - 1


def test_a_session_that_ran_out_on_stripe_is_asked_about_once(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Given a session that expired on Stripe, its webhook not in yet
    order = pending_order(shop())
    _submit(client, order)
    first = stripe_checkout.only_session()["id"]
    stripe_checkout.expire(first)

    # When the buyer submits again: Stripe refuses the expire, the retrieve says expired
    response, calls = _stripe_calls_of(stripe_checkout, lambda: _submit(client, order))
    assert response.status_code == 302
    assert calls == Counter(expire=1, retrieve=1, create=1)
    assert _checkouts(order)[0].status == CheckoutStatus.EXPIRED

    # Then the next attempt leaves it alone
    before = len(stripe_checkout.mock.calls)
    response, calls = _stripe_calls_of(stripe_checkout, lambda: _submit(client, order))
    assert calls == Counter(expire=1, create=1)
    assert not [c for c in list(stripe_checkout.mock.calls)[before:] if first in c.request.url]


def test_the_expired_webhook_after_our_own_expiry_changes_nothing(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Given an earlier session we expired ourselves when the buyer tried again
    order = pending_order(shop())
    _submit(client, order)
    first = stripe_checkout.only_session()["id"]
    _submit(client, order)
    assert _checkouts(order)[0].status == CheckoutStatus.EXPIRED

    # When Stripe's checkout.session.expired for it arrives
    deliver(client, event_object("checkout.session.expired", stripe_checkout.sessions[first]))
    _process()

    # Then it is the same news: no second move, no second audit entry
    with as_worker_role(), tenancy.system_context():
        assert list(StripeEvent.objects.values_list("outcome", flat=True)) == ["unchanged"]
    assert [c.status for c in _checkouts(order)] == [CheckoutStatus.EXPIRED, CheckoutStatus.OPEN]
    assert actions(order).count("payments.stripe_checkout.expired") == 1


def test_a_payment_completed_after_several_attempts_is_settled_not_replaced(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Given a buyer who tried three times, then paid the last session in another tab
    order = pending_order(shop())
    for _ in range(3):
        _submit(client, order)
    paid = _checkouts(order)[-1].session_id
    stripe_checkout.pay(paid)

    # When they submit checkout again before the webhook arrived
    response, calls = _stripe_calls_of(stripe_checkout, lambda: _submit(client, order))

    # Then Stripe is asked about that session only, and no new one is made
    assert calls == Counter(expire=1, retrieve=1)
    assert response.status_code == 302
    assert response["Location"].endswith("/return/")
    assert len(stripe_checkout.sessions) == 3
    # And the worker settles the payment: one paid order, the earlier sessions expired
    _process()
    assert fresh(order).status == OrderStatus.PAID
    statuses = [c.status for c in _checkouts(order)]
    assert statuses == [CheckoutStatus.EXPIRED, CheckoutStatus.EXPIRED, CheckoutStatus.PAID]


# --- Rate limits ------------------------------------------------------------------------------


def test_payment_starts_past_the_limit_for_one_order_are_refused_clearly(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Given an order whose payment was started as often as the limit allows, even from as many
    # addresses
    order = pending_order(shop())
    for n in range(ORDER_LIMIT):
        assert _submit(client, order, address=f"203.0.113.{n + 1}").status_code == 302
    held_until = fresh(order).expires_at

    # When it is started once more
    response, calls = _stripe_calls_of(
        stripe_checkout, lambda: _submit(client, order, address="203.0.113.99")
    )

    # Then the buyer is told on the checkout page, with what they typed, and Stripe is not asked
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many payment attempts for this order." in page
    assert "Nothing was charged; your tickets stay reserved" in page
    assert "Please wait" in page
    assert 'value="Ana Canyon"' in page
    assert calls == Counter()
    # And nothing is lost: the reservation holds, the last session is still there to pay
    assert fresh(order).status == OrderStatus.PENDING
    assert fresh(order).expires_at == held_until
    assert len(_checkouts(order)) == ORDER_LIMIT
    assert _checkouts(order)[-1].status == CheckoutStatus.OPEN


def test_payment_starts_from_one_address_are_limited_across_orders(
    client: Client, stripe_checkout: CheckoutStub, settings: Any
) -> None:
    settings.BCT_SHOP_PAY_LIMIT = 2
    s = shop()
    orders = [pending_order(s, quantity=1) for _ in range(3)]
    assert _submit(client, orders[0]).status_code == 302
    assert _submit(client, orders[1]).status_code == 302

    response, calls = _stripe_calls_of(stripe_checkout, lambda: _submit(client, orders[2]))

    assert response.status_code == 429
    assert "Too many payment attempts from your network." in response.content.decode()
    assert calls == Counter()
    assert fresh(orders[2]).status == OrderStatus.PENDING
    # Another address is not held back
    assert _submit(client, orders[2], address="192.0.2.44").status_code == 302


# --- The TEST MODE page -------------------------------------------------------------------------


def _test_page(order: Order) -> str:
    return reverse(
        "payments:test_payment",
        kwargs={"organizer_slug": "canyon-shows", "code": order.code, "token": token_for(order)},
    )


def test_the_test_payment_page_is_not_there_when_stripe_takes_the_payments(
    client: Client, stripe_checkout: CheckoutStub, settings: Any
) -> None:
    # Given a staging-like site (not production) with Stripe configured, and a pending order
    settings.BCT_ENV = "development"
    order = pending_order(shop())

    # When someone opens the TEST MODE page and approves
    page = client.get(_test_page(order))
    approve = client.post(_test_page(order), {"attempt": "a" * 24, "action": "approve"})

    # Then there is no such page, and the order is not paid
    assert (page.status_code, approve.status_code) == (404, 404)
    assert fresh(order).status == OrderStatus.PENDING
    with tenancy.for_organizer(order.organizer_id):
        assert not PaymentAttempt.objects.filter(order=order).exists()
        assert not order.tickets.exists()


def test_the_test_payment_page_works_when_the_test_provider_is_chosen(
    client: Client, stripe_checkout: CheckoutStub, settings: Any
) -> None:
    # Stripe keys present, but the operator chose TEST MODE explicitly
    settings.BCT_ENV = "development"
    settings.BCT_PAYMENT_PROVIDER = "test"
    order = pending_order(shop())

    assert client.get(_test_page(order)).status_code == 200
