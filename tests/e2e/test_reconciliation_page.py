"""Platform staff read the ledger's reconciliation with Stripe in Chromium, on a phone and a
desktop: runs with their status, a run's differences, one difference's entries, postings and
order, and "Run now" — axe clean."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger import services
from blackcanyon.ledger.reconcile_runs import reconciliation_run_failed, reconciliation_run_record
from tests.e2e.conftest import PHONE
from tests.factories import EventFactory, OrganizerFactory, TicketTypeFactory, UserFactory
from tests.ledger.balance_stubs import SECRET_KEY, balance_txn
from tests.ledger.helpers import at
from tests.orders.organizer.helpers import paid_order

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery"
START, END = datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)


def _runs() -> str:
    """Two stored runs; the newer one's mismatch is on a real order (its code is returned)."""
    org = OrganizerFactory(name="Red Rock Presents")
    tickets = TicketTypeFactory(
        event=EventFactory(organizer=org, title="Canyon Lights"), price=12_500
    )
    order = paid_order(tickets, name="Ana Canyon", email="ana@example.com")
    services.ledger_record_payment(
        organizer=org, order_id=order.pk, gross=12_500, platform_fee=625, stripe_fee=393,
        currency="USD", occurred_at=at(), key="stripe:ch_a:payment",
        stripe_ref="ch_3PzQk2LkdIwHu7ix0a",
    )  # fmt: skip
    with tenancy.system_context():
        with clock.frozen(datetime(2026, 11, 2, 6, tzinfo=UTC)):
            reconciliation_run_failed(
                window_start=datetime(2026, 10, 30, tzinfo=UTC),
                window_end=datetime(2026, 11, 2, tzinfo=UTC),
                error="Stripe could not be reached just now. (stripe_unavailable)",
            )
        with clock.frozen(datetime(2026, 11, 3, 6, tzinfo=UTC)):
            reconciliation_run_record(
                window_start=START,
                window_end=END,
                balance_transactions=[
                    balance_txn("txn_3PzQk2LkdIwHu7ix1a", "ch_3PzQk2LkdIwHu7ix0a", 12_500, 400),
                    balance_txn("txn_3PzQk2LkdIwHu7ix1b", "ch_3PzRlostLkdIwHu7ix", 4_000, 146),
                    balance_txn(
                        "txn_1OaFq2LkdIwHu7ixPo", "po_1OaFq2LkdIwHu7ix", -9_000, type_="payout"
                    ),
                ],
            )
    return order.code


def test_platform_staff_review_runs_and_ask_for_a_new_one_on_a_phone(
    live_server: Any, page: Any, axe: Any, screenshot: Any, settings: Any
) -> None:
    # Given Stripe configured, two stored runs, and a platform staff account
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    order_code = _runs()
    staff = UserFactory(is_staff=True)
    page.set_viewport_size(PHONE)

    # When staff log in and open the reconciliation page
    page.goto(f"{live_server.url}/accounts/login/?next=/staff/reconciliation/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile("/staff/reconciliation/$"))

    # Then the newest run is first and says how many differences it found
    rows = page.locator("tbody tr")
    assert "3 differences" in rows.nth(0).inner_text()
    assert "Failed" in rows.nth(1).inner_text()
    axe.check(page)
    screenshot(page, "reconciliation-01-runs")

    # When they open the run
    rows.nth(0).get_by_role("link").click()
    page.wait_for_url(re.compile(r"/staff/reconciliation/\d+/$"))
    text = page.inner_text("main")
    assert "Amounts differ" in text
    assert "Missing in the ledger" in text
    assert "Red Rock Presents" in text
    assert "$125.00 / $4.00 / $121.00" in text
    assert page.locator("a[href*='/admin/']").count() == 0
    axe.check(page)
    screenshot(page, "reconciliation-02-run")

    # When they open the mismatch's details
    page.get_by_role("link", name=re.compile("Details of ch_3PzQk2LkdIwHu7ix0a")).click()
    page.wait_for_url(re.compile(r"/staff/reconciliation/\d+/differences/\d+/$"))
    # Then Stripe's side, the ledger's entry with its postings and the order are on the page
    text = page.inner_text("main")
    assert "txn_3PzQk2LkdIwHu7ix1a" in text
    assert "stripe:ch_a:payment" in text
    postings = page.get_by_role("region", name=re.compile("Postings of entry"))
    assert "platform:cash" in postings.inner_text()
    assert "-$125.00" in postings.inner_text()
    assert order_code in text
    assert "Canyon Lights" in text
    assert "ana@example.com" not in text
    assert page.locator("a[href*='/admin/']").count() == 0
    axe.check(page)
    screenshot(page, "reconciliation-03-difference")

    # When they go back to the run, then to all runs, and press "Run now"
    page.get_by_role("link", name=re.compile("← Reconciliation")).click()
    page.get_by_role("link", name="← All runs").click()
    queued = DBTaskResult.objects.count()  # the order's confirmation email is queued already
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url(re.compile("/staff/reconciliation/$"))
    # Then the job is queued for the worker
    assert "Reconciliation queued" in page.content()
    assert DBTaskResult.objects.count() == queued + 1
    axe.check(page)
    screenshot(page, "reconciliation-04-queued")
