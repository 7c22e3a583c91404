"""Storing reconciliation runs: the ledger compared with Stripe's balance transactions for a
window, kept so platform staff can see when the books last matched and what differs.

The comparison itself is ``ledger.reconciliation`` (pure); fetching from Stripe is
``payments.stripe.balance``; ``ledger.jobs`` runs both daily. Runs are platform rows: record
them in ``tenancy.system_context()`` (the worker's role), which is also what lets the ledger side
see every organizer's entries.

Idempotency: a window is named by its bounds. Running it again (the next day's job overlaps, or
"Run now") adds a run with the next ``attempt``; earlier attempts stay as history and the newest
is the current answer. Nothing is ever replaced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from blackcanyon.core import audit, clock
from blackcanyon.ledger.models import (
    JournalEntry,
    ReconciliationDifference,
    ReconciliationRun,
    RunStatus,
)
from blackcanyon.ledger.reconciliation import (
    BadBalanceTransaction,
    Difference,
    Figures,
    reconciliation_report,
)
from blackcanyon.orders.selectors import OrderSummary, order_summaries

#: Days of balance transactions each run compares; runs overlap, so a late webhook that is
#: recorded the next day turns yesterday's difference into today's match.
WINDOW_DAYS = 3
MANUAL_RUNS_PER_HOUR = 5
_ATTEMPTS = 3


def reconciliation_window(*, now: datetime, days: int = WINDOW_DAYS) -> tuple[datetime, datetime]:
    """The ``days`` whole UTC days before ``now``'s day: every run of one day has the same
    window, so re-runs are attempts of one window."""
    end = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
    return end - timedelta(days=days), end


def _stripe_totals(balance_transactions: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"amount": 0, "fee": 0, "net": 0})
    for txn in balance_transactions:
        row = totals[str(txn["currency"]).upper()]
        for key in ("amount", "fee", "net"):
            row[key] += int(txn[key])
    return dict(sorted(totals.items()))


# What the ledger knows of a Stripe object: (first entry id, organizer id, order id).
Known = tuple[int, int | None, int | None]


def _ledger_refs(differences: Sequence[Difference]) -> dict[str, Known]:
    """For each difference the ledger has a side of, where it is in the ledger."""
    ours = [d.stripe_ref for d in differences if d.ledger is not None]
    refs = [ref for ref in ours if not ref.startswith("entry:")]
    ids = [int(ref[6:]) for ref in ours if ref.startswith("entry:") and ref[6:].isdigit()]
    found: dict[str, Known] = {}
    rows = JournalEntry.objects.filter(stripe_ref__in=refs).order_by("id")
    for entry_id, ref, organizer_id, order_id in rows.values_list(
        "id", "stripe_ref", "organizer_id", "order_id"
    ):
        found.setdefault(ref, (entry_id, organizer_id, order_id))
    by_id = JournalEntry.objects.filter(id__in=ids).values_list("id", "organizer_id", "order_id")
    for entry_id, organizer_id, order_id in by_id:
        found[f"entry:{entry_id}"] = (entry_id, organizer_id, order_id)
    return found


def _difference_row(
    run: ReconciliationRun,
    difference: Difference,
    known: Known | None,
    orders: Mapping[int, OrderSummary],
) -> ReconciliationDifference:
    stripe, ledger = difference.stripe or Figures(), difference.ledger or Figures()
    has_stripe, has_ledger = difference.stripe is not None, difference.ledger is not None
    order = orders.get(known[2]) if known and known[2] is not None else None
    return ReconciliationDifference(
        run=run,
        organizer_id=known[1] if known else None,
        kind=difference.kind,
        stripe_ref=difference.stripe_ref,
        currency=difference.currency,
        balance_transaction_ids=list(difference.balance_transactions),
        stripe_amount=stripe.amount if has_stripe else None,
        stripe_fee=stripe.fee if has_stripe else None,
        stripe_net=stripe.net if has_stripe else None,
        ledger_amount=ledger.amount if has_ledger else None,
        ledger_fee=ledger.fee if has_ledger else None,
        ledger_net=ledger.net if has_ledger else None,
        ledger_entry_id=known[0] if known else None,
        order_id=known[2] if known else None,
        order_code=order.code if order else "",
        order_status=order.status if order else "",
        order_total=order.total.amount if order else None,
        order_currency=order.total.currency if order else "",
        order_event_title=order.event_title[:200] if order else "",
        order_created_at=order.created_at if order else None,
    )


def _next_run(*, window_start: datetime, window_end: datetime, **fields: Any) -> ReconciliationRun:
    last = ReconciliationRun.objects.filter(
        window_start=window_start, window_end=window_end
    ).aggregate(last=Max("attempt"))["last"]
    return ReconciliationRun.objects.create(
        window_start=window_start, window_end=window_end, attempt=(last or 0) + 1, **fields
    )


def _with_retry(create: Callable[[], ReconciliationRun]) -> ReconciliationRun:
    """Two runs of one window at once: the loser of the unique ``attempt`` takes the next one."""
    for _ in range(_ATTEMPTS - 1):
        try:
            with transaction.atomic():
                return create()
        except IntegrityError:
            continue
    with transaction.atomic():
        return create()


def reconciliation_run_record(
    *,
    window_start: datetime,
    window_end: datetime,
    balance_transactions: Sequence[Mapping[str, Any]],
    trigger: str = "schedule",
    started_at: datetime | None = None,
) -> ReconciliationRun:
    """Compare the ledger with ``balance_transactions`` (fetched for the window) and store the
    run with one row per difference. Status ``ok`` or ``differences``; a malformed balance
    transaction stores a ``failed`` run instead of raising. Run in the system context."""
    started = started_at or clock.now()
    try:
        report = reconciliation_report(
            balance_transactions=list(balance_transactions), since=window_start, until=window_end
        )
        totals = _stripe_totals(balance_transactions)
    except BadBalanceTransaction as error:
        return reconciliation_run_failed(
            window_start=window_start,
            window_end=window_end,
            error=f"Stripe returned a balance transaction we cannot read ({error.code}).",
            trigger=trigger,
            started_at=started,
        )
    known = _ledger_refs(report.differences)
    orders = order_summaries(order_ids={k[2] for k in known.values() if k[2] is not None})

    def create() -> ReconciliationRun:
        run = _next_run(
            window_start=window_start,
            window_end=window_end,
            trigger=trigger,
            status=RunStatus.OK if report.ok else RunStatus.DIFFERENCES,
            balance_transactions=len(balance_transactions),
            matched=report.matched,
            difference_count=len(report.differences),
            totals=totals,
            started_at=started,
            finished_at=clock.now(),
        )
        ReconciliationDifference.objects.bulk_create(
            [_difference_row(run, d, known.get(d.stripe_ref), orders) for d in report.differences]
        )
        return run

    return _with_retry(create)


def reconciliation_run_failed(
    *,
    window_start: datetime,
    window_end: datetime,
    error: str,
    trigger: str = "schedule",
    started_at: datetime | None = None,
) -> ReconciliationRun:
    """Store a ``failed`` run with ``error`` (a message for staff: never a key or a payload).
    The next day's run covers the window again. Run in the system context."""
    started = started_at or clock.now()
    return _with_retry(
        lambda: _next_run(
            window_start=window_start,
            window_end=window_end,
            trigger=trigger,
            status=RunStatus.FAILED,
            error=error[:2000],
            started_at=started,
            finished_at=clock.now(),
        )
    )


def reconciliation_request(*, actor: Any) -> None:
    """Platform staff's "Run now": enqueue the reconciliation job (the worker fetches from
    Stripe) and audit who asked, in one transaction. The caller checks staff and rate limits."""
    from blackcanyon.ledger.jobs import reconcile_ledger_with_stripe

    with transaction.atomic():
        reconcile_ledger_with_stripe.enqueue(trigger="manual")
        audit.record(actor=actor, action="ledger.reconciliation.requested")
