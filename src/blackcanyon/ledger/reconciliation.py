"""Reconciliation: the ledger's cash movements against Stripe's balance transactions.

Stripe reports every change of the platform's balance as a ``balance_transaction`` (``id``,
``amount``, ``fee``, ``net``, ``currency``, ``type``, ``source`` — the charge, refund, dispute or
payout that caused it). The ledger's ``platform:cash`` postings are grouped the same way, by
``JournalEntry.stripe_ref``. ``reconcile`` (pure, no database, no network) compares the two;
``reconciliation_report`` reads the ledger side. Differences:

* ``missing_in_ledger`` — Stripe moved money the ledger never recorded;
* ``missing_at_stripe`` — the ledger records a cash movement Stripe does not list;
* ``amount_mismatch`` — both know it, but amount, fee or net differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.db.models import Q, Sum

from blackcanyon.core.errors import ValidationFailed
from blackcanyon.ledger.models import AccountKind, Line, Posting

FEE_LINES = (Line.STRIPE_FEE, Line.DISPUTE_FEE)
DifferenceKind = Literal["missing_in_ledger", "missing_at_stripe", "amount_mismatch"]


class BadBalanceTransaction(ValidationFailed):
    code = "ledger_bad_balance_transaction"
    default_message = "A balance transaction lacks an id, source, currency or integer amounts."


@dataclass(frozen=True, slots=True)
class Figures:
    amount: int = 0
    fee: int = 0
    net: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.amount + other.amount, self.fee + other.fee, self.net + other.net)


@dataclass(frozen=True, slots=True)
class LedgerCash:
    """The ledger's cash movement for one Stripe object in one currency."""

    stripe_ref: str
    currency: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class Difference:
    kind: DifferenceKind
    stripe_ref: str
    currency: str
    stripe: Figures | None
    ledger: Figures | None
    balance_transactions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    matched: int
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadBalanceTransaction()
    return value


def _stripe_side(
    balance_transactions: Iterable[Mapping[str, Any]],
) -> tuple[dict[tuple[str, str], Figures], dict[tuple[str, str], list[str]]]:
    figures: dict[tuple[str, str], Figures] = defaultdict(Figures)
    ids: dict[tuple[str, str], list[str]] = defaultdict(list)
    for txn in balance_transactions:
        if not isinstance(txn, Mapping):
            raise BadBalanceTransaction()
        txn_id, source, currency = (str(txn.get(k) or "") for k in ("id", "source", "currency"))
        if not txn_id or not currency:
            raise BadBalanceTransaction()
        group = (source or f"txn:{txn_id}", currency.upper())
        figures[group] += Figures(
            _int(txn.get("amount")), _int(txn.get("fee")), _int(txn.get("net"))
        )
        ids[group].append(txn_id)
    return figures, ids


def reconcile(
    *, ledger: Iterable[LedgerCash], balance_transactions: Iterable[Mapping[str, Any]]
) -> ReconciliationReport:
    """Compare per (Stripe object, currency). Pure: same input, same report."""
    stripe, ids = _stripe_side(balance_transactions)
    ours: dict[tuple[str, str], Figures] = defaultdict(Figures)
    for cash in ledger:
        ours[(cash.stripe_ref, cash.currency)] += cash.figures
    differences: list[Difference] = []
    matched = 0
    for group in sorted(set(stripe) | set(ours)):
        theirs, mine = stripe.get(group), ours.get(group)
        kind: DifferenceKind | None = None
        if mine is None:
            kind = "missing_in_ledger"
        elif theirs is None:
            kind = "missing_at_stripe"
        elif theirs != mine:
            kind = "amount_mismatch"
        if kind is None:
            matched += 1
            continue
        differences.append(
            Difference(kind, group[0], group[1], theirs, mine, tuple(ids.get(group, ())))
        )
    return ReconciliationReport(matched=matched, differences=differences)


def ledger_cash(
    *,
    organizer_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    refs: Iterable[str] = (),
) -> list[LedgerCash]:
    """The ledger's cash movements grouped by Stripe object: those that occurred in
    [since, until) and, whatever their time, those of the objects in ``refs``."""
    postings = Posting.objects.filter(account__kind=AccountKind.CASH)
    if organizer_id is not None:
        postings = postings.filter(organizer_id=organizer_id)
    window = Q()
    if since is not None:
        window &= Q(entry__occurred_at__gte=since)
    if until is not None:
        window &= Q(entry__occurred_at__lt=until)
    refs = [ref for ref in refs if ref]
    if refs and (since is not None or until is not None):
        window |= Q(entry__stripe_ref__in=refs)
    rows = (
        postings.filter(window)
        .values_list("entry__stripe_ref", "entry_id", "currency", "line")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    grouped: dict[tuple[str, str], Figures] = defaultdict(Figures)
    for ref, entry_id, currency, line, total in rows:
        group = (ref or f"entry:{entry_id}", currency)
        if line in FEE_LINES:
            grouped[group] += Figures(amount=0, fee=-total, net=total)
        else:
            grouped[group] += Figures(amount=total, fee=0, net=total)
    return [LedgerCash(ref, currency, figures) for (ref, currency), figures in grouped.items()]


def reconciliation_report(
    *,
    balance_transactions: list[Mapping[str, Any]],
    organizer_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ReconciliationReport:
    """Compare the ledger with Stripe's balance transactions for a period (no network: the
    caller fetched them). Across organizers it must run in ``tenancy.system_context()``."""
    refs = [
        str(txn.get("source") or "") for txn in balance_transactions if isinstance(txn, Mapping)
    ]
    ledger = ledger_cash(organizer_id=organizer_id, since=since, until=until, refs=refs)
    return reconcile(ledger=ledger, balance_transactions=balance_transactions)
