"""The organizer sees on each order what it cost in fees: for an order paid with Stripe, the gross,
the platform fee and — once Stripe reports the charge (the ledger's payment entry) — Stripe's fee
and the net to them; for other orders, that no platform fee applies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger.services import ledger_record_payment
from blackcanyon.orders.models import Order, OrderStatus
from blackcanyon.organizers.models import Role
from blackcanyon.payments.fee_selectors import order_fee_summary
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from blackcanyon.payments.stripe.settle import checkout_session_apply
from tests.factories import MembershipFactory
from tests.orders.domain.helpers import fresh, pay
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_checkout_stubs import (
    CheckoutStub,
    Shop,
    pending_order,
    shop,
    stripe_checkout,
)

pytestmark = pytest.mark.django_db
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture


@pytest.fixture
def fee_2_5_plus_30(settings: Any) -> None:
    settings.BCT_PLATFORM_FEE_BASIS_POINTS = 250
    settings.BCT_PLATFORM_FEE_FIXED = {"*": 0, "USD": 30}


def _stripe_paid(s: Shop, stub: CheckoutStub) -> Order:
    """A $50.00 order paid on Stripe Checkout (platform fee $1.55), confirmed by the webhook."""
    order = pending_order(s)
    checkout = stripe_checkout_start(order=order)
    with as_worker_role():
        assert checkout_session_apply(session=stub.pay(checkout.session_id)) == "paid"
    return fresh(order)


def _owner_page(order: Order) -> str:
    owner = MembershipFactory(role=Role.OWNER, organizer=order.event.organizer)
    client = Client()
    client.force_login(owner.user)
    response = client.get(f"/o/{order.event.organizer.slug}/orders/{order.code}/")
    assert response.status_code == 200
    return response.content.decode()


def _fees_section(html: str) -> str:
    found = re.search(r'<section[^>]*data-testid="order-fees".*?</section>', html, re.S)
    assert found, "no Fees section on the order page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip()


def _record_payment(order: Order, *, stripe_fee: int, bearer: str = "platform") -> None:
    with tenancy.for_organizer(order.organizer_id):
        ledger_record_payment(
            organizer=order.event.organizer,
            order_id=order.pk,
            gross=5000,
            platform_fee=155,
            stripe_fee=stripe_fee,
            currency="USD",
            occurred_at=clock.now(),
            key=f"stripe:ch_test_{order.pk}:payment",
            stripe_ref=f"ch_test_{order.pk}",
            stripe_fee_bearer=bearer,
        )


def test_a_stripe_order_shows_gross_and_platform_fee_until_stripe_reports_its_fee(
    stripe_checkout: CheckoutStub, fee_2_5_plus_30: None
) -> None:
    order = _stripe_paid(shop(), stripe_checkout)
    assert order.status == OrderStatus.PAID

    fees = _fees_section(_owner_page(order))

    assert "Paid by the buyer $50.00" in fees
    assert "Platform fee $1.55" in fees
    assert "Stripe fee Shown once Stripe reports it" in fees
    assert "Net to you" not in fees


def test_once_the_ledger_has_the_payment_stripe_fee_and_net_are_shown(
    stripe_checkout: CheckoutStub, fee_2_5_plus_30: None
) -> None:
    order = _stripe_paid(shop(), stripe_checkout)
    _record_payment(order, stripe_fee=175)

    fees = _fees_section(_owner_page(order))

    assert "Paid by the buyer $50.00" in fees
    assert "Platform fee $1.55" in fees
    assert "Stripe fee $1.75 (paid by the platform, not by you)" in fees
    assert "Net to you $48.45" in fees


def test_when_the_organizer_bears_stripes_fee_the_net_says_so(
    stripe_checkout: CheckoutStub, fee_2_5_plus_30: None
) -> None:
    order = _stripe_paid(shop(), stripe_checkout)
    _record_payment(order, stripe_fee=175, bearer="organizer")

    with tenancy.for_organizer(order.organizer_id):
        summary = order_fee_summary(order=order)
    assert summary.stripe_fee_bearer == "organizer"
    assert summary.net is not None
    assert summary.net.amount == 5000 - 155 - 175
    fees = _fees_section(_owner_page(order))
    assert "Stripe fee $1.75 (deducted from your share)" in fees
    assert "Net to you $46.70" in fees


def test_test_mode_and_box_office_orders_have_no_platform_fee(settings: Any) -> None:
    settings.BCT_PAYMENT_PROVIDER = ""
    order = pay(pending_order(shop()))
    assert order.status == OrderStatus.PAID

    fees = _fees_section(_owner_page(order))

    assert fees == "Fees No platform fee (test mode / box office)."


def test_an_order_waiting_on_stripe_says_fees_come_with_the_payment(
    stripe_checkout: CheckoutStub,
) -> None:
    order = pending_order(shop())
    stripe_checkout_start(order=order)

    fees = _fees_section(_owner_page(order))

    assert "fees are shown once it is paid" in fees
    assert "No platform fee" not in fees


def test_staff_see_the_fees_too_but_not_other_organizers_ledgers(
    stripe_checkout: CheckoutStub, fee_2_5_plus_30: None
) -> None:
    order = _stripe_paid(shop(), stripe_checkout)
    _record_payment(order, stripe_fee=175)
    staff = MembershipFactory(role=Role.STAFF, organizer=order.event.organizer)
    client = Client()
    client.force_login(staff.user)
    response = client.get(f"/o/{order.event.organizer.slug}/orders/{order.code}/")
    assert response.status_code == 200
    assert "Net to you $48.45" in _fees_section(response.content.decode())
    # Another organizer's order of the same code space never shows these figures
    other = MembershipFactory(role=Role.OWNER)
    outsider = Client()
    outsider.force_login(other.user)
    assert outsider.get(f"/o/{order.event.organizer.slug}/orders/{order.code}/").status_code == 404
