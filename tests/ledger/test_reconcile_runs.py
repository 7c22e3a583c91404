"""The daily reconciliation job: Stripe's balance transactions (stubbed HTTP, paginated) against
the ledger, stored as runs with their differences."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from blackcanyon.core import clock
from blackcanyon.ledger import services
from blackcanyon.ledger.jobs import reconcile_ledger_with_stripe
from blackcanyon.ledger.models import (
    JournalEntry,
    ReconciliationDifference,
    ReconciliationRun,
    RunStatus,
)
from tests.factories import OrganizerFactory
from tests.ledger.balance_stubs import SECRET_KEY, balance_stub, balance_txn
from tests.ledger.helpers import as_worker_role, at

__all__ = ["balance_stub"]
pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)  # window: Oct 31 00:00 .. Nov 3 00:00 UTC


def _two_sales() -> tuple[Any, Any]:
    org_a, org_b = OrganizerFactory(name="Red Rock Presents"), OrganizerFactory()
    services.ledger_record_payment(
        organizer=org_a, order_id=41, gross=5000, platform_fee=250, stripe_fee=175,
        currency="USD", occurred_at=at(), key="stripe:ch_a:payment", stripe_ref="ch_a",
    )  # fmt: skip
    services.ledger_record_payment(
        organizer=org_b, order_id=42, gross=2000, platform_fee=100, stripe_fee=88,
        currency="USD", occurred_at=at(5), key="stripe:ch_b:payment", stripe_ref="ch_b",
    )  # fmt: skip
    return org_a, org_b


def _run() -> ReconciliationRun:
    with clock.frozen(NOW), as_worker_role():
        result = reconcile_ledger_with_stripe.call()
        return ReconciliationRun.objects.get(pk=result["run"])


def _differences(run: ReconciliationRun) -> list[ReconciliationDifference]:
    with as_worker_role():
        return list(run.differences.order_by("id"))


def test_matching_books_store_an_ok_run_read_over_two_pages(balance_stub) -> None:
    # Given two sales in the ledger and the same two charges at Stripe, one per page
    _two_sales()
    balance_stub.page_size = 1
    balance_stub.transactions = [
        balance_txn("txn_1QaA", "ch_a", 5000, 175),
        balance_txn("txn_1QaB", "ch_b", 2000, 88),
    ]
    # When the daily job runs
    run = _run()
    # Then both pages were read, for the last three whole days, 100 at a time
    queries = balance_stub.queries()
    assert len(queries) == 2
    assert queries[0]["created[gte]"] == str(int(datetime(2026, 10, 31, tzinfo=UTC).timestamp()))
    assert queries[0]["created[lt]"] == str(int(datetime(2026, 11, 3, tzinfo=UTC).timestamp()))
    assert queries[0]["limit"] == "100"
    assert queries[1]["starting_after"] == "txn_1QaA"
    # And the run says the books match, with Stripe's totals
    assert run.status == RunStatus.OK
    assert (run.balance_transactions, run.matched, run.difference_count) == (2, 2, 0)
    assert run.totals == {"USD": {"amount": 7000, "fee": 263, "net": 6737}}
    assert (run.window_start, run.window_end) == (
        datetime(2026, 10, 31, tzinfo=UTC),
        datetime(2026, 11, 3, tzinfo=UTC),
    )
    assert run.error == ""


def test_a_lost_payment_and_a_wrong_fee_are_flagged(balance_stub) -> None:
    # Given the ledger's two sales, and Stripe with a higher fee on one and a charge never recorded
    org_a, _ = _two_sales()
    balance_stub.transactions = [
        balance_txn("txn_1QaA", "ch_a", 5000, 180),
        balance_txn("txn_1QaB", "ch_b", 2000, 88),
        balance_txn("txn_1QaC", "ch_lost", 3000, 117),
    ]
    # When the job runs
    run = _run()
    # Then the run has differences: the mismatch knows its organizer, order and ledger entry
    assert run.status == RunStatus.DIFFERENCES
    assert (run.matched, run.difference_count) == (1, 2)
    mismatch, lost = _differences(run)
    assert (mismatch.kind, mismatch.stripe_ref, mismatch.currency) == (
        "amount_mismatch", "ch_a", "USD",
    )  # fmt: skip
    assert (mismatch.stripe_fee, mismatch.ledger_fee) == (180, 175)
    assert (mismatch.stripe_net, mismatch.ledger_net) == (4820, 4825)
    assert mismatch.organizer_id == org_a.pk
    assert mismatch.order_id == 41
    with as_worker_role():
        entry = JournalEntry.objects.get(stripe_ref="ch_a")
    assert mismatch.ledger_entry_id == entry.pk
    assert mismatch.balance_transaction_ids == ["txn_1QaA"]
    # And the lost charge is missing in the ledger, with no ledger side
    assert (lost.kind, lost.stripe_ref, lost.stripe_amount) == (
        "missing_in_ledger",
        "ch_lost",
        3000,
    )
    assert lost.ledger_amount is None
    assert lost.organizer_id is None


def test_a_stripe_outage_stores_a_failed_run_and_the_next_run_tries_again(balance_stub) -> None:
    # Given Stripe answering 500
    _two_sales()
    balance_stub.fail(500, "An unknown error occurred")
    # When the job runs
    failed = _run()
    # Then the run failed with a message for staff and nothing secret in it
    assert failed.status == RunStatus.FAILED
    assert "stripe_unavailable" in failed.error
    assert SECRET_KEY not in failed.error
    assert failed.difference_count == 0
    # When Stripe is back and the job runs again for the same window
    balance_stub.failure = None
    balance_stub.transactions = [
        balance_txn("txn_1QaA", "ch_a", 5000, 175),
        balance_txn("txn_1QaB", "ch_b", 2000, 88),
    ]
    again = _run()
    # Then a second attempt of the window is stored; the failed one stays as history
    assert (again.status, again.attempt) == (RunStatus.OK, 2)
    assert (again.window_start, again.window_end) == (failed.window_start, failed.window_end)
    with as_worker_role():
        assert ReconciliationRun.objects.count() == 2


def test_a_refused_key_is_a_failed_run_too(balance_stub) -> None:
    balance_stub.fail(401, f"Invalid API Key provided: {SECRET_KEY}", kind="invalid_request_error")
    run = _run()
    assert run.status == RunStatus.FAILED
    assert "stripe_refused" in run.error
    assert SECRET_KEY not in run.error


def test_a_malformed_balance_transaction_fails_the_run_with_a_code(balance_stub) -> None:
    broken = balance_txn("txn_1QaA", "ch_a", 5000, 175)
    broken["fee"] = None
    balance_stub.transactions = [broken]
    run = _run()
    assert run.status == RunStatus.FAILED
    assert "ledger_bad_balance_transaction" in run.error


def test_without_stripe_the_job_does_nothing_and_says_so(caplog) -> None:
    # Given no Stripe key (the test settings' default)
    # When the job runs
    with caplog.at_level(logging.INFO, logger="blackcanyon.ledger.jobs"):
        result = _run_without_stripe()
    # Then nothing is stored and the log says why
    assert result == {"skipped": "stripe_not_configured"}
    assert "Stripe is not configured" in caplog.text
    with as_worker_role():
        assert not ReconciliationRun.objects.exists()


def _run_without_stripe() -> dict[str, object]:
    with clock.frozen(NOW), as_worker_role():
        return reconcile_ledger_with_stripe.call()
