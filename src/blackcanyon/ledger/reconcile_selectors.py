"""Reads of reconciliation runs for platform staff pages.

On PostgreSQL the web role sees runs and differences only while a signed-in platform staff user
is the context's user (policy ``staff_read``, migration ``ledger/0004``); the worker sees them in
the system context. The difference page also reads, under the same kind of read-only policy,
the ledger's entries, postings and accounts (``ledger/0006``). The order a difference names is
shown from the summary copied onto the difference when the run was stored: staff never read
orders (buyers' personal data). Views check ``is_staff`` too (first wall).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from blackcanyon.core.money import Money
from blackcanyon.ledger.models import (
    JournalEntry,
    Posting,
    ReconciliationDifference,
    ReconciliationRun,
)
from blackcanyon.orders.selectors import OrderSummary, order_status_label


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


def _row(d: ReconciliationDifference) -> DifferenceRow:
    return DifferenceRow(
        difference=d,
        stripe=_figures(d.currency, d.stripe_amount, d.stripe_fee, d.stripe_net),
        ledger=_figures(d.currency, d.ledger_amount, d.ledger_fee, d.ledger_net),
    )


def reconciliation_differences(*, run: ReconciliationRun) -> list[DifferenceRow]:
    """The run's differences with their figures as money, in the order they were found."""
    rows = ReconciliationDifference.objects.filter(run=run).select_related("organizer")
    return [_row(d) for d in rows.order_by("id")]


@dataclass(frozen=True, slots=True)
class PostingLine:
    account_code: str
    line: str  # what the posting is, for people ("Sale", "Stripe fee")
    amount: Money  # signed: > 0 debits the account, < 0 credits it


@dataclass(frozen=True, slots=True)
class EntryDetail:
    entry: JournalEntry
    postings: list[PostingLine]


@dataclass(frozen=True, slots=True)
class DifferenceDetail:
    row: DifferenceRow
    entries: list[EntryDetail]  # the ledger's side: every entry of the Stripe object
    order: OrderSummary | None


def _named_entry(stripe_ref: str) -> int | None:
    """The entry a reference names, for cash entries without a Stripe object (``entry:<id>``)."""
    rest = stripe_ref.removeprefix("entry:")
    return int(rest) if rest != stripe_ref and rest.isdigit() else None


def stripe_object_entries(*, stripe_ref: str) -> list[EntryDetail]:
    """Every journal entry of a Stripe object (``JournalEntry.stripe_ref``), oldest first, with
    its postings; ``entry:<id>`` (a difference on an entry without a Stripe object) names that
    entry. Two queries, however many entries."""
    entry_id = _named_entry(stripe_ref)
    entries = (
        JournalEntry.objects.filter(pk=entry_id)
        if entry_id is not None
        else JournalEntry.objects.filter(stripe_ref=stripe_ref)
    )
    postings = Posting.objects.select_related("account").order_by("id")
    entries = entries.prefetch_related(Prefetch("postings", queryset=postings))
    return [
        EntryDetail(
            entry=entry,
            postings=[
                PostingLine(
                    account_code=p.account.code,
                    line=p.get_line_display(),
                    amount=Money(p.amount, p.currency),
                )
                for p in entry.postings.all()
            ],
        )
        for entry in entries.order_by("occurred_at", "id")
    ]


def reconciliation_difference_get(*, run_id: int, difference_id: int) -> DifferenceDetail | None:
    """One difference of a run with what staff need to investigate it in place: both sides'
    figures, the ledger's entries of its Stripe object and the order's summary as of the run (no
    buyer data).
    ``None`` if the run has no such difference (or the context may not read it)."""
    difference = (
        ReconciliationDifference.objects.filter(run_id=run_id, pk=difference_id)
        .select_related("organizer", "run")
        .first()
    )
    if difference is None:
        return None
    return DifferenceDetail(
        row=_row(difference),
        entries=stripe_object_entries(stripe_ref=difference.stripe_ref),
        order=_order_summary(difference),
    )


def _order_summary(difference: ReconciliationDifference) -> OrderSummary | None:
    """The order's summary as it was when the run was stored (copied then, by the worker)."""
    if not difference.order_code or difference.order_total is None:
        return None
    return OrderSummary(
        code=difference.order_code,
        status=difference.order_status,
        status_label=order_status_label(difference.order_status),
        total=Money(difference.order_total, difference.order_currency),
        event_title=difference.order_event_title,
        organizer_name=difference.organizer.name if difference.organizer else "",
        created_at=difference.order_created_at,  # type: ignore[arg-type]
    )


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
