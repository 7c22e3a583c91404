"""Reads of reconciliation runs for platform staff pages.

On PostgreSQL the web role sees runs and differences only while a signed-in platform staff user
is the context's user (policy ``staff_read``, migration ``ledger/0004``); the worker sees them in
the system context. Views check ``is_staff`` too (first wall).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from blackcanyon.core.money import Money
from blackcanyon.ledger.models import ReconciliationDifference, ReconciliationRun


def reconciliation_runs() -> QuerySet[ReconciliationRun]:
    """Every run, newest first."""
    return ReconciliationRun.objects.order_by("-started_at", "-id")


def reconciliation_run_get(*, run_id: int) -> ReconciliationRun | None:
    return ReconciliationRun.objects.filter(pk=run_id).first()


@dataclass(frozen=True, slots=True)
class DifferenceRow:
    difference: ReconciliationDifference
    stripe: tuple[Money, Money, Money] | None  # amount, fee, net
    ledger: tuple[Money, Money, Money] | None


def _figures(
    currency: str, amount: int | None, fee: int | None, net: int | None
) -> tuple[Money, Money, Money] | None:
    if amount is None or fee is None or net is None:
        return None
    return Money(amount, currency), Money(fee, currency), Money(net, currency)


def reconciliation_differences(*, run: ReconciliationRun) -> list[DifferenceRow]:
    """The run's differences with their figures as money, in the order they were found."""
    rows = ReconciliationDifference.objects.filter(run=run).select_related("organizer")
    return [
        DifferenceRow(
            difference=d,
            stripe=_figures(d.currency, d.stripe_amount, d.stripe_fee, d.stripe_net),
            ledger=_figures(d.currency, d.ledger_amount, d.ledger_fee, d.ledger_net),
        )
        for d in rows.order_by("id")
    ]


def stripe_totals(*, run: ReconciliationRun) -> list[tuple[str, Money, Money, Money]]:
    """Stripe's side of the run per currency: (currency, amount, fee, net)."""
    return [
        (
            currency,
            Money(int(row.get("amount", 0)), currency),
            Money(int(row.get("fee", 0)), currency),
            Money(int(row.get("net", 0)), currency),
        )
        for currency, row in sorted((run.totals or {}).items())
    ]
