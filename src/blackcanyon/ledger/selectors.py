"""Reads of the ledger: an organizer's balances, entries and payouts; platform balances.

Organizer reads filter by organizer (first wall) and run in its tenant context (RLS, second
wall). Platform-wide reads (``platform_balances``, reconciliation across organizers) need
``tenancy.system_context()`` on PostgreSQL: without it they see only the current organizer's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet, Sum

from blackcanyon.core.money import Money
from blackcanyon.ledger.models import AccountKind, EntryKind, JournalEntry, Line, Posting

PAYOUT_KINDS = (EntryKind.PAYOUT, EntryKind.PAYOUT_PAID, EntryKind.PAYOUT_FAILED)
ORGANIZER_ACCOUNT = Q(account__organizer__isnull=False)


@dataclass(frozen=True, slots=True)
class Balance:
    """An organizer's position in one currency (minor units). ``owed`` is everything the
    platform owes them; ``available`` is the part not already on its way or held in disputes."""

    currency: str
    owed: int = 0
    in_transit: int = 0
    in_dispute: int = 0
    paid_out: int = 0
    platform_fees: int = 0
    stripe_fees: int = 0
    #: What sits in the organizer's own Stripe (connected account) balance, from where Stripe
    #: pays it out; differs from ``available`` when the platform bore a refund or a dispute
    #: the organizer owes back.
    stripe_balance: int = 0

    @property
    def available(self) -> int:
        return self.owed - self.in_transit - self.in_dispute

    def money(self, amount: int) -> Money:
        return Money(amount, self.currency)

    @property
    def owed_back(self) -> int:
        """What the organizer's Stripe balance holds beyond what they are owed (disputes aside):
        refunds the platform paid without reversing the transfer, disputes lost."""
        return max(self.stripe_balance - self.available - self.in_dispute, 0)

    @property
    def available_money(self) -> Money:
        return self.money(self.available)


def organizer_balances(*, organizer_id: int) -> list[Balance]:
    """Balances per currency, computed from the organizer's postings (one query)."""
    rows = (
        Posting.objects.filter(organizer_id=organizer_id, account__organizer_id=organizer_id)
        .values_list("currency", "account__kind", "line")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for currency, kind, line, total in rows:
        f = figures[currency]
        if kind == AccountKind.PAYABLE:
            f["owed"] -= total
            if line == Line.PAYOUT:
                f["paid_out"] += total
            elif line == Line.PLATFORM_FEE:
                f["platform_fees"] += total
            elif line in (Line.STRIPE_FEE, Line.DISPUTE_FEE):
                f["stripe_fees"] += total
        elif kind == AccountKind.PAYOUTS_IN_TRANSIT:
            f["in_transit"] += total
        elif kind == AccountKind.DISPUTES:
            f["in_dispute"] += total
        elif kind == AccountKind.CONNECTED_BALANCE:
            f["stripe_balance"] += total
    return [Balance(currency=c, **dict(f)) for c, f in sorted(figures.items())]


def organizer_entries(*, organizer_id: int) -> QuerySet[JournalEntry]:
    """The organizer's entries, newest first, each with ``organizer_total``: minus how much it
    moved the organizer's available balance (owed - in transit - held in disputes; where the
    money sits at Stripe, the connected balance, is not part of it)."""
    return (
        JournalEntry.objects.filter(organizer_id=organizer_id)
        .annotate(
            organizer_total=Sum(
                "postings__amount",
                filter=Q(postings__account__organizer_id=organizer_id)
                & ~Q(postings__account__kind=AccountKind.CONNECTED_BALANCE),
            )
        )
        .order_by("-occurred_at", "-id")
    )


@dataclass(frozen=True, slots=True)
class PayoutRow:
    payout_id: str
    amount: int
    currency: str
    status: str  # in_transit | paid | failed
    sent_at: datetime | None = None
    paid_at: datetime | None = None
    failed_at: datetime | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def started_at(self) -> datetime | None:
        return self.sent_at or self.paid_at or self.failed_at


def organizer_payouts(*, organizer_id: int) -> list[PayoutRow]:
    """Every payout of the organizer, newest first, with its latest status."""
    stages: dict[str, dict[str, object]] = {}
    entries = JournalEntry.objects.filter(organizer_id=organizer_id, kind__in=PAYOUT_KINDS)
    for entry in entries.order_by("occurred_at", "id"):
        row = stages.setdefault(
            entry.stripe_ref, {"amount": entry.amount, "currency": entry.currency}
        )
        field = {
            EntryKind.PAYOUT: "sent_at",
            EntryKind.PAYOUT_PAID: "paid_at",
            EntryKind.PAYOUT_FAILED: "failed_at",
        }[EntryKind(entry.kind)]
        row[field] = entry.occurred_at
    rows = [
        PayoutRow(
            payout_id=ref,
            amount=int(str(data["amount"])),
            currency=str(data["currency"]),
            status="failed"
            if "failed_at" in data
            else "paid"
            if "paid_at" in data
            else "in_transit",
            sent_at=data.get("sent_at"),  # type: ignore[arg-type]
            paid_at=data.get("paid_at"),  # type: ignore[arg-type]
            failed_at=data.get("failed_at"),  # type: ignore[arg-type]
        )
        for ref, data in stages.items()
    ]
    return sorted(rows, key=lambda r: (r.started_at is not None, r.started_at), reverse=True)


def entry_postings(*, entry: JournalEntry) -> list[Posting]:
    return list(entry.postings.select_related("account").order_by("id"))


def account_balances(*, organizer_id: int | None = None) -> dict[tuple[str, str], int]:
    """``{(account code, currency): balance}`` over every visible posting; with
    ``organizer_id`` only that organizer's entries. Platform-wide: in the system context."""
    postings = Posting.objects.all()
    if organizer_id is not None:
        postings = postings.filter(organizer_id=organizer_id)
    rows = postings.values_list("account__code", "currency").annotate(total=Sum("amount"))
    return {(code, currency): total for code, currency, total in rows.order_by()}


@dataclass(frozen=True, slots=True)
class OrderPaymentFigures:
    """What the ledger holds about an order's payment (its ``payment`` entries and any fee
    entries recorded against the order), in minor units of ``currency``."""

    currency: str
    gross: int
    platform_fee: int
    stripe_fee: int
    #: ``platform`` (destination charges: the platform bears Stripe's fee) or ``organizer``.
    stripe_fee_bearer: str
    #: What the organizer is owed from the payment: gross - platform fee (- Stripe's fee when
    #: they bear it).
    net: int


ORDER_PAYMENT_KINDS = (EntryKind.PAYMENT, EntryKind.PLATFORM_FEE, EntryKind.STRIPE_FEE)


def order_payment_figures(
    *, organizer_id: int, order_id: int, currency: str, except_charges: Collection[str] = ()
) -> OrderPaymentFigures | None:
    """The ledger's figures for an order's payment, or None when no payment entry exists for it
    yet (Stripe has not reported the charge). ``except_charges``: charges of the order that are
    not its payment — a second payment refunded automatically (a late payment) — whose payment
    and Stripe fee entries are left out. Call in the organizer's tenant context."""
    entries = JournalEntry.objects.filter(
        organizer_id=organizer_id, order_id=order_id, currency=currency
    )
    if except_charges:
        entries = entries.exclude(stripe_ref__in=list(except_charges))
    if not entries.filter(kind=EntryKind.PAYMENT).exists():
        return None
    rows = (
        Posting.objects.filter(
            entry__in=entries.filter(kind__in=ORDER_PAYMENT_KINDS), currency=currency
        )
        .values_list("account__kind", "line")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    totals = {(kind, line): total for kind, line, total in rows}
    payable = sum(t for (kind, _line), t in totals.items() if kind == AccountKind.PAYABLE)
    return OrderPaymentFigures(
        currency=currency,
        gross=totals.get((AccountKind.CASH, Line.GROSS), 0),
        platform_fee=-totals.get((AccountKind.FEES, Line.PLATFORM_FEE), 0),
        stripe_fee=-totals.get((AccountKind.CASH, Line.STRIPE_FEE), 0),
        stripe_fee_bearer="organizer"
        if totals.get((AccountKind.PAYABLE, Line.STRIPE_FEE), 0)
        else "platform",
        net=-payable,
    )


DISPUTE_KINDS = (EntryKind.DISPUTE, EntryKind.DISPUTE_WON, EntryKind.DISPUTE_LOST)


def ledger_dispute_booked(*, organizer_id: int, stripe_ref: str) -> dict[str, int]:
    """What the ledger holds for one Stripe dispute: ``{kind: amount}`` of its ``dispute``,
    ``dispute_won`` and ``dispute_lost`` entries (a read; call it in the organizer's context,
    in the transaction that books the next stage)."""
    rows = JournalEntry.objects.filter(
        organizer_id=organizer_id, stripe_ref=stripe_ref, kind__in=DISPUTE_KINDS
    ).values_list("kind", "amount")
    return {str(kind): int(amount) for kind, amount in rows}
