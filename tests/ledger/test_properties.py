"""Ledger invariants as properties (hypothesis): after any sequence of payments (destination
charges: the transfer to the organizer's Stripe account and the platform fee taken back), partial
and full refunds (the transfer reversed, the platform fee refunded), disputes and payouts (from
the organizer's Stripe balance) — their webhooks arriving in any order, some twice — every
entry balances, balances equal the sum of postings and an independent model, nothing is
unaccounted for, and replaying an operation with the same key changes nothing.

Each example runs in its own transaction, rolled back at the end (the database is shared by the
examples of one test function).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blackcanyon.core import tenancy
from blackcanyon.ledger import connect, disputes, services
from blackcanyon.ledger.models import EntryKind, JournalEntry, Posting
from blackcanyon.ledger.selectors import account_balances, organizer_balances
from tests.factories import OrganizerFactory
from tests.ledger.helpers import at

pytestmark = pytest.mark.django_db
CURRENCIES = ("USD", "EUR")
BEARERS = ("platform", "organizer")

amount = st.integers(min_value=1, max_value=500_000)
where = st.tuples(st.integers(0, 1), st.sampled_from(CURRENCIES))


def _payment(w: Any, gross: int, pct: int, stripe_fee: int, bearer: str) -> tuple[Any, ...]:
    return ("pay", w, gross, gross * pct // 100, stripe_fee, bearer)


payment = st.builds(
    _payment,
    where, amount, st.integers(0, 100), st.integers(0, 20_000), st.sampled_from(BEARERS),
)  # fmt: skip
refund = st.builds(
    lambda w, value, back_pct: ("refund", w, value, value * back_pct // 100),
    where, amount, st.integers(0, 100),
)  # fmt: skip
dispute = st.tuples(
    st.just("dispute"), where, st.integers(0, 1), st.sampled_from(("open", "won", "lost"))
)
payout = st.tuples(
    st.just("payout"), where, st.integers(0, 1), st.sampled_from(("sent", "paid", "failed"))
)
replay = st.tuples(st.just("replay"), st.integers(0, 1000))
operations = st.lists(st.one_of(payment, refund, dispute, payout, replay), min_size=1, max_size=25)


@dataclass
class Model:
    """What the balances must be, computed from the operations' facts, not from postings."""

    owed: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    fees: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    stripe_fees: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    cash: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    connected: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    disputes: dict[tuple[int, str, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    payouts: dict[tuple[int, str, int], set[str]] = field(default_factory=lambda: defaultdict(set))


def dispute_terms(number: int) -> tuple[int, int, str]:
    """A dispute's amount, Stripe fee and fee bearer (fixed per dispute, like Stripe's)."""
    return 500 + 11 * number, (number % 2) * 1500, BEARERS[number % 2]


def payout_amount(number: int) -> int:
    return 1000 + 37 * number


def _move(kind: EntryKind, org: Any, ref: str, value: int, n: int, common: dict[str, Any]) -> None:
    if value:
        connect.ledger_record_connect_move(
            kind, organizer=org, order_id=n, stripe_ref=ref, amount=value, **common
        )


def run(op: tuple[Any, ...], n: int, orgs: list[Any]) -> services.Recorded:
    kind, (o, cur) = op[0], op[1]
    org, common = orgs[o], {"currency": cur, "occurred_at": at(n)}
    if kind == "pay":
        _, _, gross, fee, stripe_fee, bearer = op
        recorded = services.ledger_record_payment(
            organizer=org, order_id=n, gross=gross, platform_fee=fee, stripe_fee=stripe_fee,
            key=f"pay:{n}", stripe_ref=f"ch_{n}", stripe_fee_bearer=bearer, **common,
        )  # fmt: skip
        _move(EntryKind.TRANSFER, org, f"tr_{n}", gross, n, common)
        _move(EntryKind.APPLICATION_FEE, org, f"fee_{n}", fee, n, common)
        return recorded
    if kind == "refund":
        _, _, value, back = op
        recorded = services.ledger_record_refund(
            organizer=org, order_id=n, amount=value, platform_fee_refund=back,
            key=f"refund:{n}", stripe_ref=f"re_{n}", **common,
        )  # fmt: skip
        _move(EntryKind.TRANSFER_REVERSAL, org, f"trr_{n}", value, n, common)
        _move(EntryKind.FEE_REFUND, org, f"fr_{n}", back, n, common)
        return recorded
    if kind == "dispute":
        _, _, number, stage = op
        value, fee, bearer = dispute_terms(number)
        ref, key = f"du_{o}_{cur}_{number}", f"dispute:{n}"
        if stage == "open":
            return disputes.ledger_record_dispute(
                organizer=org, order_id=None, amount=value, fee=fee, fee_bearer=bearer,
                key=key, stripe_ref=ref, **common,
            )  # fmt: skip
        record = (
            disputes.ledger_record_dispute_won
            if stage == "won"
            else disputes.ledger_record_dispute_lost
        )
        return record(organizer=org, order_id=None, amount=value, key=key, stripe_ref=ref, **common)
    _, _, number, stage = op
    record = {
        "sent": services.ledger_record_payout,
        "paid": services.ledger_record_payout_paid,
        "failed": services.ledger_record_payout_failed,
    }[stage]
    return record(
        organizer=org, payout_id=f"po_{o}_{cur}_{number}", amount=payout_amount(number),
        key=f"payout:{n}", **common,
    )  # fmt: skip


def learn(model: Model, op: tuple[Any, ...]) -> None:
    kind, (o, cur) = op[0], op[1]
    if kind == "pay":
        _, _, gross, fee, stripe_fee, bearer = op
        org_fee = stripe_fee if bearer == "organizer" else 0
        model.owed[o, cur] += gross - fee - org_fee
        model.fees[o, cur] += fee
        model.stripe_fees[o, cur] += org_fee
        # the charge less Stripe's fee, less the transfer of the gross, plus the fee taken back
        model.cash[cur] += fee - stripe_fee
        model.connected[o, cur] += gross - fee
    elif kind == "refund":
        _, _, value, back = op
        model.owed[o, cur] -= value - back
        model.fees[o, cur] -= back
        # the refund, the transfer reversed, the platform fee refunded
        model.cash[cur] -= back
        model.connected[o, cur] -= value - back
    elif kind == "dispute":
        _, _, number, stage = op
        # A dispute closes once: a second, different outcome is not a real Stripe sequence.
        stages = model.disputes[o, cur, number]
        if stage != "open" and stages - {"open", stage}:
            return
        stages.add(stage)
    else:
        model.payouts[o, cur, op[2]].add(op[3])


def skip(model: Model, op: tuple[Any, ...]) -> bool:
    if op[0] != "dispute" or op[3] == "open":
        return False
    (o, cur), number, stage = op[1], op[2], op[3]
    return bool(model.disputes[o, cur, number] - {"open", stage})


def expected(model: Model, o: int, cur: str) -> dict[str, int]:
    owed, in_dispute, stripe_fees, paid_out, in_transit = (
        model.owed[o, cur],
        0,
        model.stripe_fees[o, cur],
        0,
        0,
    )
    for (do, dcur, number), stages in model.disputes.items():
        if (do, dcur) != (o, cur):
            continue
        value, fee, bearer = dispute_terms(number)
        in_dispute += value * ("open" in stages) - value * bool(stages & {"won", "lost"})
        owed -= value * ("lost" in stages)
        stripe_fees += fee * ("open" in stages) * (bearer == "organizer")
        owed -= fee * ("open" in stages) * (bearer == "organizer")
    for (po, pcur, number), stages in model.payouts.items():
        if (po, pcur) != (o, cur):
            continue
        value = payout_amount(number)
        in_transit += value * ("sent" in stages) - value * bool(stages & {"paid", "failed"})
        paid_out += value * ("paid" in stages and "failed" not in stages)
    return {
        "owed": owed - paid_out,
        "in_transit": in_transit,
        "in_dispute": in_dispute,
        "paid_out": paid_out,
        "platform_fees": model.fees[o, cur],
        "stripe_fees": stripe_fees,
    }


def expected_cash(model: Model, cur: str) -> int:
    cash = model.cash[cur]
    for (_o, dcur, number), stages in model.disputes.items():
        if dcur == cur:
            value, fee, _ = dispute_terms(number)
            cash -= (value + fee) * ("open" in stages) - value * ("won" in stages)
    return cash  # payouts leave the organizers' connected balances, not the platform's


def expected_connected(model: Model, o: int, cur: str) -> int:
    connected = model.connected[o, cur]
    for (po, pcur, number), stages in model.payouts.items():
        if (po, pcur) == (o, cur):
            connected += payout_amount(number) * (("failed" in stages) - ("sent" in stages))
    return connected


def entry_totals(org_id: int) -> set[int]:
    with tenancy.scoped(organizer_id=org_id):
        rows = Posting.objects.values("entry_id", "currency").annotate(total=Sum("amount"))
        return {row["total"] for row in rows}


def check(model: Model, orgs: list[Any]) -> None:
    cash: dict[str, int] = defaultdict(int)
    for o, org in enumerate(orgs):
        # Every entry balances in every currency
        assert entry_totals(org.pk) <= {0}
        with tenancy.scoped(organizer_id=org.pk):
            figures = {b.currency: b for b in organizer_balances(organizer_id=org.pk)}
            sums = account_balances(organizer_id=org.pk)
        for cur in CURRENCIES:
            balance = figures.get(cur)
            got = {k: getattr(balance, k, 0) for k in expected(model, o, cur)}
            # The selector's figures equal the model of the facts ...
            assert got == expected(model, o, cur), (o, cur)
            # ... and the plain sums of the postings of each account
            assert got["owed"] == -sums.get((f"organizer:{org.pk}:payable", cur), 0)
            assert got["in_transit"] == sums.get((f"organizer:{org.pk}:payouts_in_transit", cur), 0)
            assert got["in_dispute"] == sums.get((f"organizer:{org.pk}:disputes", cur), 0)
            # The organizer's Stripe balance: transfers in, reversals and payouts out
            connected = sums.get((f"organizer:{org.pk}:connected_balance", cur), 0)
            assert connected == expected_connected(model, o, cur)
            assert getattr(balance, "stripe_balance", 0) == connected
            if balance is not None:
                assert balance.available == got["owed"] - got["in_transit"] - got["in_dispute"]
            cash[cur] += sums.get(("platform:cash", cur), 0)
        # Nothing unaccounted for: all of the organizer's postings sum to zero per currency
        for cur in CURRENCIES:
            assert sum(v for (_code, c), v in sums.items() if c == cur) == 0
    # Platform cash is the sum of the cash postings, and what the facts say Stripe holds
    for cur in CURRENCIES:
        assert cash[cur] == expected_cash(model, cur)


def entry_count(orgs: list[Any]) -> int:
    total = 0
    for org in orgs:
        with tenancy.scoped(organizer_id=org.pk):
            total += JournalEntry.objects.count()
    return total


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_any_sequence_of_movements_keeps_the_books_balanced(ops: list[tuple[Any, ...]]) -> None:
    with transaction.atomic():
        orgs = [OrganizerFactory(), OrganizerFactory()]
        model, done = Model(), []
        for n, op in enumerate(ops):
            if op[0] == "replay":
                if not done:
                    continue
                m, original = done[op[1] % len(done)]
                before = entry_count(orgs)
                again = run(original, m, orgs)
                # Replaying with the same key changes nothing
                assert not again.created
                assert entry_count(orgs) == before
                continue
            if skip(model, op):
                continue
            run(op, n, orgs)
            learn(model, op)
            done.append((n, op))
        check(model, orgs)
        transaction.set_rollback(True)  # the next example starts from an empty ledger
