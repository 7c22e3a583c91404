"""Refunds from the organizer's side: full, per ticket, by amount; Stripe-paid (a Stripe Refund
with an idempotency key from our Refund row, outside any transaction) and paid elsewhere (the
same domain transition, no Stripe call). Stripe's HTTP is stubbed (no network)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.ledger.models import JournalEntry
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import OrderStatus, TicketStatus
from blackcanyon.payments.errors import StripeUnavailable
from blackcanyon.payments.models import Refund, RefundSource, RefundStatus
from blackcanyon.payments.refunds import refund_create, refund_send
from blackcanyon.payments.stripe.client import idempotency_key
from blackcanyon.tickets.models import RevokedSecret
from tests.factories import EventFactory, TicketTypeFactory, UserFactory
from tests.orders.domain.helpers import actions, counters, fresh, tickets
from tests.orders.organizer.helpers import paid_order
from tests.payments.money_stubs import MoneyStub, fee_shop, money, paid_stripe_order, process
from tests.payments.stripe_checkout_stubs import stripe_checkout

pytestmark = pytest.mark.django_db
__all__ = ["money", "stripe_checkout"]


def refunds_of(order_id: int, organizer_id: int) -> list[Refund]:
    with tenancy.for_organizer(organizer_id):
        return list(Refund.objects.filter(order_id=order_id).order_by("id"))


def revoked(organizer_id: int) -> list[str]:
    with tenancy.for_organizer(organizer_id):
        return list(RevokedSecret.objects.values_list("reason", flat=True))


def ledger_keys(organizer_id: int) -> list[str]:
    with tenancy.for_organizer(organizer_id):
        return list(JournalEntry.objects.order_by("id").values_list("idempotency_key", flat=True))


def test_full_refund_of_a_stripe_order_returns_the_money_and_cancels_everything(
    client: Client, money: MoneyStub
) -> None:
    # Given a $50.00 order (2 seats) paid on Stripe
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    assert order.status == OrderStatus.PAID
    assert counters(s.event, s.floor).types == (2,)
    mail.outbox.clear()
    # When the organizer refunds the whole order
    refund = refund_create(actor=UserFactory(), order=order, full=True, reason="Show moved")
    # Then Stripe refunded $50.00 once, keyed by our Refund row, taking the money back from the
    # connected account (and the platform fee in proportion)
    (call,) = money.refund_calls()
    form = money.stub.form(call)
    assert form["payment_intent"] == intent
    assert form["amount"] == "5000"
    assert form["reverse_transfer"] == "true"
    assert form["metadata[bct_refund_id]"] == str(refund.pk)
    assert call.request.headers["Idempotency-Key"] == idempotency_key("order-refund", refund.pk)
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.stripe_refund_id in money.refunds
    # and the order is refunded, its tickets cancelled and revoked, its seats back on sale
    assert fresh(order).status == OrderStatus.REFUNDED
    assert {t.status for t in tickets(order)} == {TicketStatus.CANCELLED}
    assert revoked(order.organizer_id) == ["refunded", "refunded"]
    assert counters(s.event, s.floor).types == (0,)
    assert counters(s.event, s.floor).event == 0
    assert actions(order)[-1] == "orders.order.refunded"
    # and the ledger holds the refund, keyed by Stripe's refund id, with the whole fee back
    keys = ledger_keys(order.organizer_id)
    assert f"stripe:{refund.stripe_refund_id}:refund" in keys
    # the organizer's share came back from their Stripe balance, the platform fee with it
    assert [k.rsplit(":", 1)[1] for k in keys[-2:]] == ["transfer_reversal", "fee_refund"]
    assert refund.platform_fee_refund == 250
    # and the buyer is emailed
    process()
    (email,) = mail.outbox
    assert email.to == ["ana@example.com"]
    assert "refunded $50.00" in email.body
    assert "no longer valid" in email.body


def test_refund_per_ticket_then_the_rest_releases_each_seat_once(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, _ = paid_stripe_order(client, money, s)
    first, second = tickets(order)
    # When one ticket is refunded
    refund = refund_create(actor=None, order=order, ticket_ids=[first.pk])
    # Then $25.00 goes back, that ticket alone stops admitting, one seat is free again
    assert money.stub.form(money.refund_calls()[0])["amount"] == "2500"
    assert refund.full is False
    assert [t.status for t in tickets(order)] == [TicketStatus.CANCELLED, TicketStatus.VALID]
    assert fresh(order).status == OrderStatus.PAID
    assert counters(s.event, s.floor).types == (1,)
    assert actions(order)[-1] == "orders.order.partially_refunded"
    # When the other ticket is refunded too, the order is fully refunded
    refund_create(actor=None, order=order, ticket_ids=[second.pk])
    assert fresh(order).status == OrderStatus.REFUNDED
    assert counters(s.event, s.floor).types == (0,)
    # and a refunded ticket cannot be refunded again
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=fresh(order), ticket_ids=[first.pk])
    assert refused.value.code == "refund_not_possible"


def test_refund_by_amount_keeps_the_tickets_and_never_exceeds_what_was_paid(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, _ = paid_stripe_order(client, money, s)
    refund_create(actor=None, order=order, amount=1000)
    assert {t.status for t in tickets(order)} == {TicketStatus.VALID}
    assert counters(s.event, s.floor).types == (2,)
    # $40.00 is left: $45.00 is refused with a code, and Stripe is not asked
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=order, amount=4500)
    assert refused.value.code == "refund_exceeds_paid"
    # two $25.00 tickets ($50.00) are more than is left too
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=order, ticket_ids=[t.pk for t in tickets(order)])
    assert refused.value.code == "refund_exceeds_paid"
    assert len(money.refund_calls()) == 1
    # Refunding exactly what is left empties the order
    refund_create(actor=None, order=order, amount=4000)
    assert fresh(order).status == OrderStatus.REFUNDED
    assert [r.amount for r in refunds_of(order.pk, order.organizer_id)] == [1000, 4000]


def test_a_refund_retried_after_stripe_failed_uses_the_same_key_and_refunds_once(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, _ = paid_stripe_order(client, money, s)
    # Given Stripe is down when the organizer refunds
    money.fail_refunds_with = (500, {"error": {"type": "api_error", "message": "boom"}})
    with pytest.raises(StripeUnavailable):
        refund_create(actor=None, order=order, full=True)
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert refund.status == RefundStatus.REQUESTED
    assert fresh(order).status == OrderStatus.PAID  # nothing changed yet
    # a second request meanwhile cannot refund the same money again
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=order, amount=100)
    assert refused.value.code == "refund_exceeds_paid"
    # When it is sent again (the page's "Try again") and Stripe is back — twice, as a
    # double click would
    money.fail_refunds_with = None
    refund_send(refund=refund)
    refund_send(refund=refund)
    # Then one Stripe refund exists, both calls carried the same key, the order is refunded
    keys = {c.request.headers["Idempotency-Key"] for c in money.refund_calls()}
    assert keys == {idempotency_key("order-refund", refund.pk)}
    assert len(money.refunds) == 1
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert refund.status == RefundStatus.SUCCEEDED
    assert fresh(order).status == OrderStatus.REFUNDED
    assert sum(k.endswith(":refund") for k in ledger_keys(order.organizer_id)) == 1


def test_a_refund_retried_after_stripe_forgot_its_key_is_found_not_made_twice(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    # Given a refund whose request timed out here although Stripe made it, and whose webhook
    # was lost; Stripe forgets idempotency keys after 24 hours
    money.fail_refunds_with = (500, {"error": {"type": "api_error", "message": "timeout"}})
    with pytest.raises(StripeUnavailable):
        refund_create(actor=None, order=order, full=True)
    money.fail_refunds_with = None
    (refund,) = refunds_of(order.pk, order.organizer_id)
    made = money._refund(
        intent, 5000, metadata={"bct_refund_id": str(refund.pk), "order_id": str(order.pk)},
        reason="requested_by_customer", reverse_transfer=True, refund_fee=True,
    )  # fmt: skip
    asked = len(money.refund_calls())
    # When the organizer presses "Try again" two days later
    with clock.frozen(clock.now() + timedelta(days=2)):
        refund_send(refund=refund)
    # Then Stripe was not asked for a second refund: the one it made is recorded
    assert len(money.refund_calls()) == asked
    assert list(money.refunds) == [made["id"]]
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert (refund.status, refund.stripe_refund_id) == (RefundStatus.SUCCEEDED, made["id"])
    assert fresh(order).status == OrderStatus.REFUNDED


def test_a_refund_stripe_refuses_is_marked_failed_and_changes_nothing(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, _ = paid_stripe_order(client, money, s)
    money.fail_refunds_with = (
        400,
        {"error": {"type": "invalid_request_error", "message": "Charge already refunded"}},
    )
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=order, full=True)
    assert refused.value.code == "stripe_refused"
    (refund,) = refunds_of(order.pk, order.organizer_id)
    assert refund.status == RefundStatus.FAILED
    assert fresh(order).status == OrderStatus.PAID
    assert {t.status for t in tickets(order)} == {TicketStatus.VALID}
    assert "payments.refund.failed" in actions(order)


def test_orders_paid_outside_stripe_are_refunded_without_calling_stripe() -> None:
    # Given an order paid with the test provider (no Stripe)
    event = EventFactory()
    floor = TicketTypeFactory(event=event, price=2500, capacity=10)
    order = paid_order(floor, 2)
    first, _ = tickets(order)
    # When one ticket and then the rest are refunded
    partial = refund_create(actor=None, order=order, ticket_ids=[first.pk])
    assert partial.source == RefundSource.OUTSIDE
    assert partial.status == RefundStatus.SUCCEEDED
    assert counters(event, floor).types == (1,)
    refund_create(actor=None, order=order, full=True)
    # Then the order is refunded, seats released, and the ledger (Stripe money only) is empty
    assert fresh(order).status == OrderStatus.REFUNDED
    assert counters(event, floor).types == (0,)
    assert ledger_keys(order.organizer_id) == []
    assert [r.amount for r in refunds_of(order.pk, order.organizer_id)] == [2500, 2500]
    process()
    assert "returns the money to you directly" in mail.outbox[-1].body


def test_cancelling_a_partly_refunded_order_releases_only_the_seats_it_still_holds() -> None:
    event = EventFactory()
    floor = TicketTypeFactory(event=event, price=2500, capacity=10)
    order = paid_order(floor, 3)
    refund_create(actor=None, order=order, ticket_ids=[tickets(order)[0].pk])
    assert counters(event, floor).types == (2,)
    order_services.order_cancel(actor=None, order=fresh(order))
    assert counters(event, floor).types == (0,)
    assert counters(event, floor).event == 0


def test_only_paid_orders_can_be_refunded_and_bad_choices_are_refused() -> None:
    event = EventFactory()
    floor = TicketTypeFactory(event=event, price=2500, capacity=10)
    order = order_services.reservation_create(event=event, quantities={floor.pk: 1})
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=order, full=True)
    assert refused.value.code == "refund_not_possible"
    paid = paid_order(floor, 1)
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=paid, ticket_ids=[999999])
    assert refused.value.code == "refund_invalid"
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=paid, amount=0)
    assert refused.value.code == "refund_invalid"
    assert refunds_of(paid.pk, paid.organizer_id) == []
