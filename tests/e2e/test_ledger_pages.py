"""The organizer's money pages in Chromium: balance, payouts and ledger entries — on a phone and
a desktop, axe clean, no sideways scrolling, figures a person can check."""

from __future__ import annotations

import re
from typing import Any

import pytest

from blackcanyon.ledger import disputes, services
from tests.e2e.conftest import PHONE
from tests.factories import MembershipFactory, OrganizerFactory
from tests.ledger.helpers import at

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"


def _books(org: Any) -> None:
    for n in range(3):
        services.ledger_record_payment(
            organizer=org, order_id=n, gross=12_500, platform_fee=625, stripe_fee=393,
            currency="USD", occurred_at=at(n), key=f"stripe:ch_{n}:payment",
            stripe_ref=f"ch_3PzQk2LkdIwHu7ix0{n}",
        )  # fmt: skip
    services.ledger_record_payment(
        organizer=org, order_id=9, gross=4_000, platform_fee=200, stripe_fee=0, currency="EUR",
        occurred_at=at(5), key="stripe:ch_eur:payment", stripe_ref="ch_eur",
    )  # fmt: skip
    services.ledger_record_refund(
        organizer=org, order_id=0, amount=2_500, platform_fee_refund=125, currency="USD",
        occurred_at=at(10), key="stripe:re_1:refund", stripe_ref="re_1NgTq2LkdIwHu7ix",
    )  # fmt: skip
    disputes.ledger_record_dispute(
        organizer=org, order_id=1, amount=12_500, fee=1_500, currency="USD", occurred_at=at(20),
        key="stripe:du_1:dispute", stripe_ref="du_1NgTq2LkdIwHu7ix",
    )  # fmt: skip
    payout = {"organizer": org, "currency": "USD"}
    services.ledger_record_payout(
        payout_id="po_1OaFq2LkdIwHu7ix", amount=10_000, occurred_at=at(30), key="po1:s", **payout
    )
    services.ledger_record_payout_paid(
        payout_id="po_1OaFq2LkdIwHu7ix", amount=10_000, occurred_at=at(90), key="po1:p", **payout
    )
    services.ledger_record_payout(
        payout_id="po_1OaGz8LkdIwHu7iy", amount=5_000, occurred_at=at(100), key="po2:s", **payout
    )


def test_an_owner_reads_balance_payouts_and_entries_on_a_phone(
    live_server: Any, page: Any, axe: Any, screenshot: Any
) -> None:
    # Given an organizer with sales in two currencies, a refund, a dispute and two payouts
    org = OrganizerFactory(name="Red Rock Presents", timezone="America/Denver")
    owner = MembershipFactory(organizer=org).user
    _books(org)
    page.set_viewport_size(PHONE)

    # When the owner logs in and follows "Balance" from the organizer's navigation
    page.goto(f"{live_server.url}/accounts/login/?next=/o/{org.slug}/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(f"/o/{org.slug}/$"))
    page.get_by_role("link", name="Balance", exact=True).click()
    page.wait_for_url(re.compile(f"/o/{org.slug}/balance/$"))

    # Then USD: owed 3 x (125 - 6.25) - (25 - 1.25) - 100 paid = 232.50; 50 in transit,
    # 125 held in a dispute -> 57.50 available; EUR: 38.00 available
    usd = page.get_by_role("region", name="USD")
    assert "$57.50" in usd.inner_text()
    assert "$50.00" in usd.inner_text()
    assert "$125.00" in usd.inner_text()
    assert "$100.00" in usd.inner_text()
    assert "€38.00" in page.get_by_role("region", name="EUR").inner_text()
    axe.check(page)
    screenshot(page, "ledger-01-balance")

    # When they open the payouts
    page.get_by_role("link", name="Payouts").click()
    page.wait_for_url(re.compile("/balance/payouts/$"))
    assert "In transit" in page.content()
    assert "Paid" in page.content()
    axe.check(page)
    screenshot(page, "ledger-02-payouts")

    # And the ledger entries
    page.get_by_role("link", name="Ledger entries").click()
    page.wait_for_url(re.compile("/balance/entries/$"))
    text = page.inner_text("main")
    assert "Dispute opened" in text
    assert "-$125.00" in text
    assert "+$118.75" in text
    axe.check(page)
    screenshot(page, "ledger-03-entries")
