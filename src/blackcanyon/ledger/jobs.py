"""The daily reconciliation of the ledger with Stripe (scheduled in ``config/schedule.py``).

The job is the adapter between the two sides: it fetches the platform's balance transactions
(``payments.stripe.balance``, network, outside any transaction) and stores the comparison
(``ledger.reconcile_runs``, in the system context). Without a Stripe key it does nothing.
"""

from __future__ import annotations

import logging

from django.tasks import task

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger.reconcile_runs import (
    reconciliation_run_failed,
    reconciliation_run_record,
    reconciliation_window,
)
from blackcanyon.payments.errors import PaymentProviderError
from blackcanyon.payments.stripe.balance import stripe_balance_transactions
from blackcanyon.payments.stripe.client import stripe_enabled

logger = logging.getLogger(__name__)


@task()
def reconcile_ledger_with_stripe(trigger: str = "schedule") -> dict[str, object]:
    """Compare the last ``WINDOW_DAYS`` whole days of Stripe's balance transactions with the
    ledger and store a ``ReconciliationRun``. A Stripe failure stores a ``failed`` run (the next
    day's run covers the window again); it is not raised, so the task is not retried in a loop."""
    if not stripe_enabled():
        logger.info("Ledger reconciliation skipped: Stripe is not configured (no secret key).")
        return {"skipped": "stripe_not_configured"}
    started = clock.now()
    since, until = reconciliation_window(now=started)
    try:
        balance_transactions = stripe_balance_transactions(since=since, until=until)
    except PaymentProviderError as error:
        with tenancy.system_context():
            run = reconciliation_run_failed(
                window_start=since,
                window_end=until,
                error=f"{error.message} ({error.code})",
                trigger=trigger,
                started_at=started,
            )
        logger.warning("Ledger reconciliation %s failed: %s", run.pk, error.code)
        return {"run": run.pk, "status": run.status}
    with tenancy.system_context():
        run = reconciliation_run_record(
            window_start=since,
            window_end=until,
            balance_transactions=balance_transactions,
            trigger=trigger,
            started_at=started,
        )
    logger.info(
        "Ledger reconciliation %s: %s, %d balance transactions, %d matched, %d differences",
        run.pk,
        run.status,
        run.balance_transactions,
        run.matched,
        run.difference_count,
    )
    return {"run": run.pk, "status": run.status, "differences": run.difference_count}
