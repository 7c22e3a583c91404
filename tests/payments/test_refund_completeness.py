"""When a refund empties an order, and refunds of a cancelled order (review ``moneyrev``).

An order becomes ``refunded`` — every ticket cancelled, its seats and its code's use given back,
once — exactly when the money returned to the buyer reaches what was paid, whichever way the
refunds were asked (amounts, tickets, several people at once, Stripe's dashboard). A cancelled
order that was paid keeps its money until the organizer refunds it from the order's page: money
only, its tickets and seats were already dealt with. Stripe's HTTP is stubbed (no network).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.ledger.models import EntryKind, JournalEntry
from blackcanyon.ledger.reconciliation import reconciliation_report
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import DiscountCode, DiscountKind, Order, OrderStatus, TicketStatus
from blackcanyon.organizers.models import Role
from blackcanyon.payments.errors import StripeUnavailable
from blackcanyon.payments.models import Refund, RefundSource, RefundStatus
from blackcanyon.payments.refunds import refund_create, refund_send
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory
from tests.orders.domain.helpers import Counters, actions, counters, fresh, tickets
from tests.orders.helpers import discount_code
from tests.orders.organizer.helpers import page_text, paid_order
from tests.payments.money_stubs import (
    MoneyStub,
    fee_shop,
    money,
    paid_stripe_order,
    platform_balance_transactions,
    process,
)
from tests.payments.stripe_checkout_stubs import Shop, deliver, event_object, stripe_checkout

pytestmark = pytest.mark.django_db
__all__ = ["money", "stripe_checkout"]

STRIPE_DOWN = (500, {"error": {"type": "api_error", "message": "down"}})


def returned(order: Order) -> int:
    """What went back to the buyer: the order's succeeded refunds."""
    with tenancy.for_organizer(order.organizer_id):
        return sum(
            Refund.objects.filter(order_id=order.pk, status=RefundStatus.SUCCEEDED).values_list(
                "amount", flat=True
            )
        )


def refunds_of(order: Order) -> list[Refund]:
    with tenancy.for_organizer(order.organizer_id):
        return list(Refund.objects.filter(order_id=order.pk).order_by("id"))


def waiting_refund(order: Order) -> Refund:
    with tenancy.for_organizer(order.organizer_id):
        return Refund.objects.get(order_id=order.pk, status=RefundStatus.REQUESTED)


def refund_entries(order: Order) -> list[JournalEntry]:
    with tenancy.for_organizer(order.organizer_id):
        return list(JournalEntry.objects.filter(kind=EntryKind.REFUND, order_id=order.pk))


def assert_books_match_stripe(m: MoneyStub, order: Order, intent: str) -> None:
    """The ledger holds what Stripe's balance transactions say (charge, refunds, transfer
    reversals, platform fee given back) — nothing missing, nothing twice."""
    with tenancy.for_organizer(order.organizer_id):
        report = reconciliation_report(
            organizer_id=order.organizer_id,
            balance_transactions=platform_balance_transactions(m, intent),
        )
    assert report.differences == []


def owner_of(s: Shop) -> Client:
    owner = MembershipFactory(organizer=s.event.organizer, role=Role.OWNER)
    organizer = Client()
    organizer.force_login(owner.user)
    return organizer


def url(order: Order, suffix: str = "") -> str:
    return f"/o/{order.organizer.slug}/orders/{order.code}/{suffix}"


def paid_stripe_order_with_code(client: Client, m: MoneyStub, s: Shop) -> tuple[Order, str]:
    """A $50.00 order (2 x $25.00) that used an access code, paid on Stripe."""
    discount_code(s.event, code="CREW", kind=DiscountKind.ACCESS, value=0)
    order = order_services.reservation_create(
        event=s.event, quantities={s.floor.pk: 2}, code="CREW"
    )
    order = order_services.order_submit_details(
        order=order, buyer_name="Ana Canyon", buyer_email="ana@example.com", accept_terms=True
    )
    session = m.stub.pay(stripe_checkout_start(order=order).session_id)
    deliver(client, event_object("checkout.session.completed", session))
    process()
    return fresh(order), session["payment_intent"]


def the_code(s: Shop) -> DiscountCode:
    with tenancy.for_organizer(s.event.organizer_id):
        return DiscountCode.objects.get(event=s.event, code="CREW")


# --- a cancelled order's money ---------------------------------------------------------------


def test_a_cancelled_stripe_order_is_refunded_from_its_page_money_only(
    client: Client, money: MoneyStub
) -> None:
    # Given a $50.00 order paid on Stripe, and its organizer signed in
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    organizer = owner_of(s)
    # The cancel page says plainly that cancelling does not refund the money
    cancel_page = page_text(organizer.get(url(order, "cancel/")))
    assert "Cancelling does not refund the money" in cancel_page
    assert "refund it afterwards from this order's page" in cancel_page
    # When the organizer cancels the order
    response = organizer.post(url(order, "cancel/"), {"reason": "Double booking"})
    assert response.status_code == 302
    assert fresh(order).status == OrderStatus.CANCELLED
    assert counters(s.event, s.floor).types == (0,)
    assert money.refund_calls() == []  # cancelling alone returns no money
    # Then the order's page offers to refund the $50.00 the buyer paid
    detail = page_text(organizer.get(url(order)))
    assert "$50.00 of the buyer's payment is not refunded yet" in detail
    assert "Refund…" in detail
    # and the refund page asks for money only: its tickets are already cancelled
    page = organizer.get(url(order, "refund/"))
    assert page.status_code == 200
    text = page_text(page)
    assert "Left to refund $50.00" in text
    assert "This order was cancelled" in text
    assert "Some tickets" not in text
    # When the organizer refunds $20.00, then everything left
    mail.outbox.clear()
    first = organizer.post(
        url(order, "refund/"), {"mode": "amount", "amount": "20.00", "reason": "Goodwill"}
    )
    assert first.status_code == 302
    assert "Refunded $20.00. The buyer has been emailed." in page_text(organizer.get(url(order)))
    rest = organizer.post(url(order, "refund/"), {"mode": "full"})
    assert rest.status_code == 302
    # Then Stripe refunded $20.00 and $30.00, taking the organizer's share back with each
    forms = [money.stub.form(call) for call in money.refund_calls()]
    assert [f["amount"] for f in forms] == ["2000", "3000"]
    assert {f["reverse_transfer"] for f in forms} == {"true"}
    assert returned(order) == 5000
    # the order stays cancelled: no ticket changed, no seat released a second time
    assert fresh(order).status == OrderStatus.CANCELLED
    assert {t.status for t in tickets(order)} == {TicketStatus.CANCELLED}
    assert counters(s.event, s.floor).types == (0,)
    assert counters(s.event, s.floor).event == 0
    # the ledger booked both refunds (with the whole platform fee given back), as Stripe did
    assert sorted(e.amount for e in refund_entries(order)) == [2000, 3000]
    assert sum(r.platform_fee_refund for r in refunds_of(order)) == 250
    assert_books_match_stripe(money, order, intent)
    # the history says so, and the buyer was emailed each time
    assert actions(order).count("payments.refund.recorded") == 2
    assert "Refund recorded" in page_text(organizer.get(url(order)))
    process()
    bodies = [m.body for m in mail.outbox if "refunded $" in m.body]
    assert {m.to[0] for m in mail.outbox} == {"ana@example.com"}
    assert [("refunded $20.00" in b, "refunded $30.00" in b) for b in bodies] == [
        (True, False),
        (False, True),
    ]
    assert all("no longer valid" in b and "still admit" not in b for b in bodies)
    # and nothing is left to refund: the page offers no refund any more
    detail = page_text(organizer.get(url(order)))
    assert "not refunded yet" not in detail
    assert "Refund…" not in detail
    again = organizer.get(url(order, "refund/"), follow=True)
    assert "Everything this order paid has been refunded." in page_text(again)


def test_a_cancelled_order_is_refunded_by_amount_only_and_never_beyond_what_was_paid(
    client: Client, money: MoneyStub
) -> None:
    s = fee_shop()
    order, _ = paid_stripe_order(client, money, s)
    first, _second = tickets(order)
    order_services.order_cancel(actor=None, order=order, reason="Show moved")
    # Tickets cannot be chosen (they are cancelled), and no more than was paid goes back
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=fresh(order), ticket_ids=[first.pk])
    assert refused.value.code == "refund_invalid"
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=fresh(order), amount=5001)
    assert refused.value.code == "refund_exceeds_paid"
    assert money.refund_calls() == []
    refund_create(actor=None, order=fresh(order), full=True)
    assert returned(order) == 5000
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=fresh(order), amount=1)
    assert refused.value.code == "refund_not_possible"
    assert len(money.refund_calls()) == 1


def test_a_cancelled_order_that_was_never_paid_has_nothing_to_refund() -> None:
    event = EventFactory()
    floor = TicketTypeFactory(event=event, price=2500, capacity=10)
    order = order_services.reservation_create(event=event, quantities={floor.pk: 1})
    order_services.order_cancel(actor=None, order=order)
    with pytest.raises(DomainError) as refused:
        refund_create(actor=None, order=fresh(order), full=True)
    assert refused.value.code == "refund_not_possible"
    assert refunds_of(order) == []


def test_a_cancelled_order_paid_outside_stripe_records_the_refund_without_stripe() -> None:
    # Given an order paid with the test provider (the organizer returns such money themselves)
    event = EventFactory()
    floor = TicketTypeFactory(event=event, price=2500, capacity=10)
    order = paid_order(floor, 2)
    order_services.order_cancel(actor=None, order=order)
    # When the organizer opens its refund page, then refunds its money after the cancellation
    owner = MembershipFactory(organizer=event.organizer, role=Role.OWNER)
    organizer = Client()
    organizer.force_login(owner.user)
    page = page_text(organizer.get(url(order, "refund/")))
    refund = refund_create(actor=None, order=fresh(order), full=True)
    # Then the page says it records money only (the tickets are cancelled already)
    assert "Refunding here records the refund; return the money to the buyer yourself" in page
    assert "cancels the" not in page
    # Then the refund is recorded (source outside), the order and its seats are untouched
    assert (refund.source, refund.status, refund.amount) == (
        RefundSource.OUTSIDE,
        RefundStatus.SUCCEEDED,
        5000,
    )
    assert fresh(order).status == OrderStatus.CANCELLED
    assert counters(event, floor).types == (0,)
    process()
    assert "returns the money to you directly" in mail.outbox[-1].body


# --- refunds that add up to the whole order ---------------------------------------------------


@pytest.mark.parametrize(
    "amount_first", [True, False], ids=["amount-then-ticket", "ticket-then-amount"]
)
def test_an_amount_and_a_ticket_that_add_up_to_everything_empty_the_order(
    client: Client, money: MoneyStub, amount_first: bool
) -> None:
    # Given a $50.00 order of 2 x $25.00 with an access code, paid on Stripe
    s = fee_shop()
    order, intent = paid_stripe_order_with_code(client, money, s)
    first, _second = tickets(order)
    assert counters(s.event, s.floor, code=the_code(s)).code == 1
    # When $25.00 goes back as an amount and ticket #1 ($25.00) is refunded, in either order
    asks = [{"amount": 2500}, {"ticket_ids": [first.pk]}]
    for ask in asks if amount_first else asks[::-1]:
        refund_create(actor=None, order=fresh(order), **ask)  # type: ignore[arg-type]
    # Then all the money went back, so no ticket admits, the order is refunded and its seats
    # and its code's use are given back, once
    assert returned(order) == 5000
    assert [t.status for t in tickets(order)] == [TicketStatus.CANCELLED] * 2
    assert fresh(order).status == OrderStatus.REFUNDED
    assert counters(s.event, s.floor, code=the_code(s)) == Counters(0, (0,), 0)
    assert actions(order).count("orders.order.refunded") == 1
    # the refund that emptied the order is the full one, and the fee came back whole
    assert [r.full for r in refunds_of(order)] == [False, True]
    assert sum(r.platform_fee_refund for r in refunds_of(order)) == 250
    assert_books_match_stripe(money, order, intent)


def test_two_staff_refunding_the_two_tickets_at_once_empty_the_order_once(
    client: Client, money: MoneyStub
) -> None:
    # Given a $50.00 order of 2 tickets with an access code; staff A's refund of ticket 1
    # waits for Stripe (unreachable)
    s = fee_shop()
    order, intent = paid_stripe_order_with_code(client, money, s)
    first, second = tickets(order)
    money.fail_refunds_with = STRIPE_DOWN
    with pytest.raises(StripeUnavailable):
        refund_create(actor=None, order=order, ticket_ids=[first.pk])
    money.fail_refunds_with = None
    # When staff B refunds ticket 2 meanwhile: half the money is back, the order stays paid
    refund_create(actor=None, order=fresh(order), ticket_ids=[second.pk])
    assert fresh(order).status == OrderStatus.PAID
    assert [t.status for t in tickets(order)] == [TicketStatus.VALID, TicketStatus.CANCELLED]
    assert counters(s.event, s.floor, code=the_code(s)) == Counters(1, (1,), 1)
    # and staff A presses "Try again" on the order page
    organizer = owner_of(s)
    retry = organizer.post(url(order, f"refund/{waiting_refund(order).pk}/retry/"))
    assert retry.status_code == 302
    # Then both tickets and all the money are refunded: the order is refunded, its seats and
    # the code's use released exactly once
    assert returned(order) == 5000
    assert {t.status for t in tickets(order)} == {TicketStatus.CANCELLED}
    assert fresh(order).status == OrderStatus.REFUNDED
    assert counters(s.event, s.floor, code=the_code(s)) == Counters(0, (0,), 0)
    assert actions(order).count("orders.order.refunded") == 1
    assert sum(r.platform_fee_refund for r in refunds_of(order)) == 250
    assert_books_match_stripe(money, order, intent)


def test_a_whole_order_refund_while_another_waits_empties_the_order_only_with_all_the_money(
    client: Client, money: MoneyStub
) -> None:
    # Given ticket 1's refund ($25.00) waiting for Stripe
    s = fee_shop()
    order, intent = paid_stripe_order_with_code(client, money, s)
    first, _second = tickets(order)
    money.fail_refunds_with = STRIPE_DOWN
    with pytest.raises(StripeUnavailable):
        refund_create(actor=None, order=order, ticket_ids=[first.pk])
    money.fail_refunds_with = None
    # When the organizer refunds "the whole order": what is left ($25.00) goes back and every
    # ticket stops admitting, but $25.00 is still on its way: the order is not refunded yet
    refund_create(actor=None, order=fresh(order), full=True)
    assert money.stub.form(money.refund_calls()[-1])["amount"] == "2500"
    assert {t.status for t in tickets(order)} == {TicketStatus.CANCELLED}
    assert fresh(order).status == OrderStatus.PAID
    assert counters(s.event, s.floor, code=the_code(s)) == Counters(0, (0,), 1)
    # When the waiting refund goes through, the order is refunded and the code given back once
    refund_send(refund=waiting_refund(order))
    assert returned(order) == 5000
    assert fresh(order).status == OrderStatus.REFUNDED
    assert counters(s.event, s.floor, code=the_code(s)) == Counters(0, (0,), 0)
    assert sum(r.platform_fee_refund for r in refunds_of(order)) == 250
    assert_books_match_stripe(money, order, intent)


def test_a_partial_dashboard_refund_while_our_refund_waits_leaves_the_order_paid(
    client: Client, money: MoneyStub
) -> None:
    # Given the organizer's refund of ticket 1 ($25.00) waiting for Stripe
    s = fee_shop()
    order, intent = paid_stripe_order(client, money, s)
    first, _second = tickets(order)
    money.fail_refunds_with = STRIPE_DOWN
    with pytest.raises(StripeUnavailable):
        refund_create(actor=None, order=order, ticket_ids=[first.pk])
    money.fail_refunds_with = None
    # When platform staff refund $25.00 in Stripe's dashboard
    money.dashboard_refund(intent, 2500, reverse_transfer=True)
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    # Then only half the money went back: the order stays paid, its tickets still admit
    assert returned(order) == 2500
    assert fresh(order).status == OrderStatus.PAID
    assert {t.status for t in tickets(order)} == {TicketStatus.VALID}
    assert counters(s.event, s.floor).types == (2,)
    (dashboard,) = [r for r in refunds_of(order) if r.source == RefundSource.STRIPE_DASHBOARD]
    assert dashboard.full is False
    # When our waiting refund goes through too, all the money is back: the order is refunded
    refund_send(refund=waiting_refund(order))
    assert returned(order) == 5000
    assert fresh(order).status == OrderStatus.REFUNDED
    assert {t.status for t in tickets(order)} == {TicketStatus.CANCELLED}
    assert counters(s.event, s.floor).types == (0,)
    assert_books_match_stripe(money, order, intent)
