"""Every periodic job of the platform lives here (DESIGN rule 10).

``bct worker`` runs the scheduler (``core/scheduler.py``) next to the task loop: each job below is
enqueued as an ordinary task once per slot — ``Every(seconds=60)`` slots start on the minute, in
UTC — however many workers run. A slot missed while no worker ran is not caught up; the next one
runs as usual, so every job must do all the work that is due when it runs (not "the last minute's").
"""

from __future__ import annotations

from blackcanyon.core.scheduler import Every

SCHEDULE: list[Every] = [
    # Reservations past their time give their seats (and code redemptions) back. Reads already
    # subtract expired holds and a sold-out take releases them on demand; this keeps counters true.
    Every(seconds=60, task="blackcanyon.orders.jobs.release_expired_reservations"),
    # Stripe payments whose webhook never came (or whose processing failed) are looked up on
    # Stripe and settled: one paid order or one refund (payments/reconcile.py).
    Every(seconds=300, task="blackcanyon.payments.jobs.reconcile_stripe_payments"),
    # Processed webhook payloads (buyers' emails) are cleared after STRIPE_EVENT_RETENTION_DAYS.
    Every(seconds=86400, task="blackcanyon.payments.jobs.prune_stripe_event_payloads"),
    # The ledger against Stripe's balance transactions of the last 3 days (ledger/jobs.py).
    Every(seconds=86400, task="blackcanyon.ledger.jobs.reconcile_ledger_with_stripe"),
]
