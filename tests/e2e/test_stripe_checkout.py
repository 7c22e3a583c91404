"""A paid checkout through Stripe in Chromium: reserve → details → Stripe's hosted page → cancel
back to checkout (reservation kept) → Stripe again → pay → "payment processing" → the signed
webhook arrives → the same page turns into the confirmed order with its tickets.

Stripe's API is stubbed in-process with ``responses`` (the live server's threads share it);
Stripe's hosted Checkout page is a local stand-in served by Playwright's router for the session
URL, with the two ways back Stripe offers (the success and the cancel URL). Nothing leaves the
machine. axe-core must report no violations on our pages.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.orders.models import Order, OrderStatus
from tests.e2e.conftest import PHONE
from tests.payments.stripe_checkout_stubs import (
    CheckoutStub,
    deliver,
    event_object,
    shop,
    stripe_checkout,
)

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture


def _fake_stripe_checkout(stub: CheckoutStub) -> Any:
    """Playwright route handler: Stripe's hosted Checkout page, reduced to its two ways back."""

    def handler(route: Any) -> None:
        session = stub.sessions[route.request.url.rstrip("/").rsplit("/", 1)[1]]
        route.fulfill(
            status=200,
            content_type="text/html",
            body=(
                '<!doctype html><html lang="en"><title>Stripe Checkout (test stand-in)</title>'
                f"<main><h1>Pay Canyon Shows</h1><p>{session['amount_total'] / 100:.2f} USD</p>"
                f'<a href="{session["success_url"]}">Pay</a> '
                f'<a href="{session["cancel_url"]}">Back to Canyon Shows</a></main></html>'
            ),
        )

    return handler


def test_buyer_pays_on_stripe_and_sees_the_order_confirmed_after_the_webhook(
    live_server: Any,
    page: Any,
    axe: Any,
    screenshot: Any,
    settings: Any,
    stripe_checkout: CheckoutStub,
) -> None:
    # Given a paid event of an organizer whose Stripe account takes charges
    cache.clear()
    settings.PUBLIC_APP_URL = live_server.url
    s = shop()
    page.route(
        re.compile(r"^https://checkout\.stripe\.com/"), _fake_stripe_checkout(stripe_checkout)
    )
    page.set_viewport_size(PHONE)

    # When the buyer reserves two tickets and gives their details
    page.goto(f"{live_server.url}/e/canyon-shows/{s.event.slug}/")
    page.get_by_label("Tickets for Floor").select_option("2")
    page.get_by_role("button", name="Reserve tickets").click()
    page.wait_for_url(re.compile("/checkout/"))
    checkout_url = page.url
    page.get_by_label("Your name").fill("Ana Canyon")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("I accept the terms of sale and the privacy policy").check()
    axe.check(page)
    page.get_by_role("button", name=re.compile("Continue to payment")).click()

    # Then they are on Stripe's hosted page (the checkout page's CSP let the redirect through)
    page.wait_for_url(re.compile(r"^https://checkout\.stripe\.com/c/pay/cs_test_"))
    assert page.get_by_role("heading", name="Pay Canyon Shows").is_visible()
    assert page.get_by_text("50.00 USD").is_visible()

    # When they go back without paying
    page.get_by_role("link", name="Back to Canyon Shows").click()

    # Then checkout says nothing was charged, with the reservation and their details kept
    page.wait_for_url(checkout_url)
    assert page.get_by_text("Payment cancelled: nothing was charged").is_visible()
    assert page.get_by_label("Your name").input_value() == "Ana Canyon"
    axe.check(page)
    screenshot(page, "stripe-01-cancelled")

    # When they continue to Stripe again and pay
    page.get_by_label("I accept the terms of sale and the privacy policy").check()
    page.get_by_role("button", name=re.compile("Continue to payment")).click()
    page.wait_for_url(re.compile(r"^https://checkout\.stripe\.com/"))
    session_id = page.url.rstrip("/").rsplit("/", 1)[1]
    paid = stripe_checkout.pay(session_id)
    page.get_by_role("link", name="Pay").click()

    # Then our page says the payment is processing (the webhook has not arrived yet)
    page.wait_for_url(re.compile("/pay/stripe/canyon-shows/.+/return/$"))
    assert page.get_by_role("heading", name="Payment processing").is_visible()
    assert page.get_by_text("You don't need to pay again").is_visible()
    axe.check(page)
    screenshot(page, "stripe-02-processing")

    # When Stripe's signed webhook arrives and the worker processes it
    response = deliver(Client(), event_object("checkout.session.completed", paid))
    assert response.status_code == 200
    run_pending()

    # Then the page turns into the confirmed order with its tickets, and the email is sent
    page.wait_for_url(re.compile("/orders?/"), timeout=15_000)
    assert page.get_by_text("Payment received. You're going!").is_visible()
    assert page.get_by_text("Confirmed").first.is_visible()
    axe.check(page)
    screenshot(page, "stripe-03-confirmed")
    code = paid["metadata"]["order_code"]
    with tenancy.for_organizer(s.event.organizer_id):
        order = Order.objects.get(code=code)
    assert order.status == OrderStatus.PAID
    assert order.tickets.count() == 2
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert len(stripe_checkout.sessions) == 2  # one per attempt
