"""The ledger wired to real money: a settled Stripe checkout books the payment (gross, platform
fee, Stripe's fee from the charge's balance transaction) in the order's transaction; refunds and
payouts follow; the organizer's balance and Stripe's balance transactions agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger.models import EntryKind, JournalEntry
from blackcanyon.ledger.reconciliation import reconciliation_report
from blackcanyon.ledger.selectors import Balance, account_balances, organizer_balances
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import OrderStatus
from blackcanyon.payments.refunds import refund_create
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from tests.payments.helpers import as_worker_role
from tests.payments.money_stubs import (
    STRIPE_FEE,
    MoneyStub,
    fee_shop,
    money,
    paid_stripe_order,
    platform_balance_transactions,
    process,
)
from tests.payments.stripe_checkout_stubs import (
    ACCOUNT_ID,
    deliver,
    event_object,
    pending_order,
    stripe_checkout,
)
from tests.payments.test_disputes import dispute_object
from tests.payments.test_money_events import payout_object

pytestmark = pytest.mark.django_db


def balance_of(organizer_id: int) -> Balance:
    """The organizer's one (USD) balance, read in its tenant context."""
    with tenancy.for_organizer(organizer_id):
        (balance,) = organizer_balances(organizer_id=organizer_id)
    return balance


__all__ = ["money", "stripe_checkout"]


def payment_entries(organizer_id: int) -> list[JournalEntry]:
    with tenancy.for_organizer(organizer_id):
        return list(JournalEntry.objects.filter(kind=EntryKind.PAYMENT))


def balances(organizer_id: int) -> dict[tuple[str, str], int]:
    with tenancy.for_organizer(organizer_id):
        return account_balances(organizer_id=organizer_id)


def test_a_paid_checkout_books_the_payment_the_transfer_and_the_platform_fee_as_stripe_does(
    client: Client, money: MoneyStub
) -> None:
    order, intent = paid_stripe_order(client, money, fee_shop())
    (entry,) = payment_entries(order.organizer_id)
    charge = money.charge_of(intent)
    assert entry.idempotency_key == f"stripe:{charge}:payment"
    assert (entry.stripe_ref, entry.order_id, entry.amount) == (charge, order.pk, 5000)
    # the destination charge's transfer (the whole amount) and the platform fee taken back
    assert ledger_keys(order.organizer_id)[1:] == [
        f"stripe:tr_{intent[3:]}:transfer",
        f"stripe:fee_{intent[3:]}:application_fee",
    ]
    org = order.organizer_id
    assert balances(org) == {
        # Stripe's platform balance: +5000 charge - 175 fee - 5000 transfer + 250 fee back
        ("platform:cash", "USD"): 250 - STRIPE_FEE,
        ("platform:fees", "USD"): -250,
        ("platform:stripe_fees", "USD"): STRIPE_FEE,
        (f"organizer:{org}:payable", "USD"): -4750,
        # and the organizer's own Stripe balance holds what they are owed
        (f"organizer:{org}:connected_balance", "USD"): 4750,
    }
    # Stripe's balance transactions (charge, transfer, application fee) match the ledger
    with tenancy.for_organizer(org):
        report = reconciliation_report(
            organizer_id=org, balance_transactions=platform_balance_transactions(money, intent)
        )
    assert report.differences == []
    assert report.matched == 3


def test_payment_partial_refund_and_payout_leave_the_expected_available_balance(
    client: Client, money: MoneyStub
) -> None:
    # Given $50.00 paid (platform fee $2.50: the organizer is owed $47.50)
    order, intent = paid_stripe_order(client, money, fee_shop())
    # When $10.00 is refunded (the platform gives back its fee in proportion: $0.50)
    refund = refund_create(actor=None, order=order, amount=1000)
    assert refund.platform_fee_refund == 50
    # and a $30.00 payout is paid to the organizer's bank
    payout = payout_object("po_1QThirty", amount=3000)
    deliver(client, event_object("payout.paid", payout, account=ACCOUNT_ID))
    process()
    # Then the organizer's available balance is 4750 - 1000 + 50 - 3000 = 800
    balance = balance_of(order.organizer_id)
    assert balance.owed == 800
    assert balance.available == 800
    assert balance.paid_out == 3000
    assert balance.in_transit == 0
    assert balance.stripe_balance == 800  # in their connected account, as Stripe says
    # and the platform's cash is what Stripe holds: 5000 - 175 - 5000 + 250 (the charge),
    # - 1000 + 1000 (refund, transfer reversed) - 50 (fee given back); the payout left the
    # connected account, not the platform's balance
    org = order.organizer_id
    assert balances(org)[("platform:cash", "USD")] == 250 - STRIPE_FEE - 50
    with tenancy.for_organizer(org):
        report = reconciliation_report(
            organizer_id=org, balance_transactions=platform_balance_transactions(money, intent)
        )
    assert report.differences == []
    assert report.matched == 6


def test_without_the_balance_transaction_the_payment_is_booked_without_stripes_fee(
    client: Client, money: MoneyStub
) -> None:
    money.fee_available = False
    order, _ = paid_stripe_order(client, money, fee_shop())
    assert order.status == OrderStatus.PAID
    assert (
        balances(order.organizer_id)[("platform:cash", "USD")] == 250
    )  # no Stripe fee yet; transfer and fee booked


def test_when_stripe_is_unreachable_the_order_is_paid_and_a_later_dispute_books_the_payment(
    client: Client, money: MoneyStub
) -> None:
    # Given the PaymentIntent cannot be read when the checkout settles (Stripe down)
    money.stub.mock.remove(money.stub.mock.registered()[-1])  # the PaymentIntent retrieve
    order, intent = paid_stripe_order(client, money, fee_shop())
    # Then the buyer still gets the tickets, and the ledger has no entry yet
    assert order.status == OrderStatus.PAID
    assert payment_entries(order.organizer_id) == []
    # When a dispute of that charge arrives, the payment is booked first, then the dispute
    deliver(client, event_object("charge.dispute.created", dispute_object(intent, money)))
    process()
    (entry,) = payment_entries(order.organizer_id)
    assert entry.idempotency_key == f"stripe:{money.charge_of(intent)}:payment"
    balance = balance_of(order.organizer_id)
    assert (balance.owed, balance.in_dispute) == (4750, 5000)


def test_a_late_payment_refunded_for_lack_of_seats_is_booked_in_and_out(
    client: Client, money: MoneyStub
) -> None:
    # Given a buyer on Stripe's page whose reservation expires, and the last seats sold meanwhile
    s = fee_shop(capacity=2)
    order = pending_order(s)
    checkout = stripe_checkout_start(order=order)
    paid = money.stub.pay(checkout.session_id)
    later = clock.now() + timedelta(hours=1)
    with tenancy.system_context(), as_worker_role():
        order_services.reservations_release_expired(now=later)
    with clock.frozen(later):
        other = pending_order(s, email="bo@example.com")
        order_services.order_confirm_payment(
            order=other, provider="test", reference="t-1", amount=other.total
        )
        # When the payment arrives, it is refunded automatically
        deliver(client, event_object("checkout.session.completed", paid))
        process()
    # Then the ledger has the charge and its refund, the transfer and its reversal, the
    # platform fee and its refund: nothing owed to the organizer, nothing in their balance
    intent = paid["payment_intent"]
    kinds = [key.rsplit(":", 1)[1] for key in ledger_keys(order.organizer_id)]
    assert sorted(kinds) == sorted(
        ["payment", "transfer", "application_fee", "refund", "transfer_reversal", "fee_refund"]
    )
    assert ledger_keys(order.organizer_id)[0] == f"stripe:{money.charge_of(intent)}:payment"
    balance = balance_of(order.organizer_id)
    assert (balance.owed, balance.stripe_balance) == (0, 0)
    assert balances(order.organizer_id)[("platform:cash", "USD")] == 0


def ledger_keys(organizer_id: int) -> list[str]:
    with tenancy.for_organizer(organizer_id):
        return list(JournalEntry.objects.order_by("id").values_list("idempotency_key", flat=True))
