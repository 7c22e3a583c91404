"""Stripe Connect onboarding in Chromium: the owner opens Settings, Payments, connects, lands on
(a stand-in for) Stripe's onboarding page, comes back and sees charges enabled.

Stripe's API is stubbed in-process with ``responses`` (the live server's threads share it), and
Stripe's hosted onboarding page is a local stand-in served by Playwright's router for the link
URL the stub returned — nothing leaves the machine.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache

from blackcanyon.organizers.models import Role
from tests.e2e.conftest import PHONE
from tests.factories import MembershipFactory
from tests.payments import stripe_stubs
from tests.payments.stripe_stubs import LINK_URL, StripeStub, enabled_account

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
stripe_api = stripe_stubs.stripe_stub  # the stubbed Stripe API fixture, under this name here


def _fake_stripe_onboarding(stub: StripeStub) -> Any:
    """Playwright route handler: Stripe's hosted onboarding, reduced to its way back."""

    def handler(route: Any) -> None:
        (link_call, *_) = stub.calls("POST", "/account_links")[-1:]
        return_url = stub.form(link_call)["return_url"]
        route.fulfill(
            status=200,
            content_type="text/html",
            body=(
                '<!doctype html><html lang="en"><title>Stripe onboarding (test stand-in)</title>'
                "<main><h1>Set up payments for Canyon Shows</h1>"
                f'<a href="{return_url}">Return to Canyon Shows</a></main></html>'
            ),
        )

    return handler


def test_owner_connects_stripe_and_sees_charges_enabled(
    live_server: Any, page: Any, axe: Any, screenshot: Any, settings: Any, stripe_api: StripeStub
) -> None:
    # Given an owner, Stripe enabled, and our public URL being the live server
    cache.clear()
    settings.PUBLIC_APP_URL = live_server.url
    settings.BCT_PLATFORM_FEE_BASIS_POINTS = 250
    settings.BCT_PLATFORM_FEE_FIXED = {"*": 0, "USD": 30}
    owner = MembershipFactory(
        role=Role.OWNER,
        organizer__name="Canyon Shows",
        organizer__slug="canyon-shows",
        organizer__contact_email="hi@canyon.example",
    ).user
    page.route(re.compile(r"^https://connect\.stripe\.com/"), _fake_stripe_onboarding(stripe_api))
    page.set_viewport_size(PHONE)

    # When the owner logs in and opens Settings, then Payments
    page.goto(f"{live_server.url}/accounts/login/?next=/o/canyon-shows/settings/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile("/o/canyon-shows/settings/$"))
    page.get_by_role("link", name="Payment settings").click()
    page.wait_for_url(re.compile("/settings/payments/$"))
    assert page.get_by_text("Not connected").is_visible()
    assert "on a $50.00 order the platform fee is $1.55" in page.content()
    axe.check(page)
    screenshot(page, "connect-01-not-connected")

    # And connects with Stripe
    page.get_by_role("button", name="Connect with Stripe").click()

    # Then they are on Stripe's onboarding link
    page.wait_for_url(LINK_URL)
    assert page.get_by_role("heading", name="Set up payments for Canyon Shows").is_visible()
    assert stripe_api.form(stripe_api.calls("POST", "/accounts")[0])["type"] == "express"

    # When they leave Stripe half-way and open the Payments page again
    page.goto(f"{live_server.url}/o/canyon-shows/settings/payments/")

    # Then it shows what Stripe still needs, and offers to continue
    assert page.get_by_test_id("stripe-status").inner_text() == "Onboarding not finished"
    assert page.get_by_text("Bank account for payouts").is_visible()
    axe.check(page)
    screenshot(page, "connect-02-unfinished")
    page.get_by_role("button", name="Continue with Stripe").click()
    page.wait_for_url(LINK_URL)
    assert len(stripe_api.calls("POST", "/accounts")) == 1  # the same account, a new link
    assert len(stripe_api.calls("POST", "/account_links")) == 2

    # When they finish on Stripe and come back
    stripe_api.account = enabled_account()
    page.get_by_role("link", name="Return to Canyon Shows").click()

    # Then the Payments page shows charges and payouts enabled
    page.wait_for_url(re.compile("/o/canyon-shows/settings/payments/$"))
    status = page.get_by_test_id("stripe-status")
    assert status.inner_text() == "Charges enabled"
    assert page.get_by_text("Stripe is connected: you can sell paid tickets.").is_visible()
    assert "What Stripe still needs" not in page.content()
    assert len(stripe_api.calls("GET", f"/accounts/{stripe_stubs.ACCOUNT_ID}")) == 1
    axe.check(page)
    screenshot(page, "connect-03-charges-enabled")
