"""An organizer refunds one ticket of a Stripe-paid order on a phone (390 px): order page →
"Refund…" → choose the ticket → confirm → the order page lists the refund and the timeline says
so. Stripe's API is stubbed in-process (the live server's threads share ``responses``); axe
reports no violations; no sideways scrolling."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.orders.models import Ticket, TicketStatus
from blackcanyon.payments.models import Refund, RefundStatus
from tests.e2e.conftest import PHONE
from tests.factories import MembershipFactory
from tests.payments.money_stubs import MoneyStub, fee_shop, money, paid_stripe_order
from tests.payments.stripe_checkout_stubs import stripe_checkout

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["money", "stripe_checkout"]
PASSWORD = "correct horse battery"


def test_organizer_refunds_one_ticket_of_a_stripe_order_on_a_phone(
    live_server: Any, page: Any, axe: Any, screenshot: Any, money: MoneyStub
) -> None:
    # Given a $50.00 order of two Floor tickets paid on Stripe
    s = fee_shop()
    order, _ = paid_stripe_order(Client(), money, s)
    owner = MembershipFactory(organizer=s.event.organizer).user
    slug = s.event.organizer.slug
    page.set_viewport_size(PHONE)

    # When the owner opens the order and chooses "Refund…"
    page.goto(f"{live_server.url}/accounts/login/?next=/o/{slug}/orders/{order.code}/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(f"/orders/{order.code}/$"))
    page.get_by_role("link", name="Refund…").click()
    page.wait_for_url(re.compile("/refund/$"))
    assert "Left to refund" in page.content()
    axe.check(page)
    screenshot(page, "refund-01-form")

    # and refunds one ticket
    page.get_by_label("Some tickets").check()
    page.get_by_role("checkbox").first.check()
    page.get_by_label("Reason (for your records)").fill("Cannot make it")
    page.get_by_role("button", name="Refund").click()
    page.wait_for_url(re.compile(f"/orders/{order.code}/$"))

    # Then the order page confirms it, lists the refund and the timeline entry
    body = page.locator("body").inner_text()
    assert "Refunded $25.00" in body
    assert "Partly refunded" in body
    axe.check(page)
    screenshot(page, "refund-02-order")
    # and Stripe refunded $25.00 once; one ticket is cancelled
    (call,) = money.refund_calls()
    assert money.stub.form(call)["amount"] == "2500"
    with tenancy.for_organizer(order.organizer_id):
        statuses = list(
            Ticket.objects.filter(order_id=order.pk).order_by("id").values_list("status", flat=True)
        )
        assert Refund.objects.get().status == RefundStatus.SUCCEEDED
    assert statuses == [TicketStatus.CANCELLED, TicketStatus.VALID]
