"""After checkout: cancelling, offline payment and resending the confirmation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail

from blackcanyon.core import tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import errors, services
from blackcanyon.orders.models import DiscountCode, Order, OrderStatus, TicketStatus
from tests.factories import TicketTypeFactory, UserFactory
from tests.orders.domain.helpers import (
    Counters,
    counters,
    fresh,
    pay,
    submit,
    tickets,
)
from tests.orders.helpers import discount_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def save10(event: Event) -> DiscountCode:
    return discount_code(event, code="SAVE10")


@pytest.fixture
def pending(event: Event, ticket_type: TicketType, save10: DiscountCode, now: datetime) -> Order:
    """Two Floor tickets with a 10 % code, details given, waiting for payment."""
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 2}, code="SAVE10", now=now
    )
    return submit(order, now=now)


@pytest.fixture
def paid(pending: Order, now: datetime) -> Order:
    order = pay(pending, now=now)
    run_pending()
    mail.outbox.clear()
    return order


def test_cancelling_a_paid_order_cancels_tickets_frees_seats_and_tells_the_buyer(
    event: Event, ticket_type: TicketType, save10: DiscountCode, paid: Order, now: datetime
) -> None:
    # Given a paid order of two tickets with a code
    organizer = UserFactory()
    assert counters(event, ticket_type, code=save10) == Counters(2, (2,), 1)
    # When the organizer cancels it
    cancelled = services.order_cancel(
        actor=organizer, order=paid, reason="Duplicate purchase", now=now + timedelta(hours=1)
    )
    # Then the order and its tickets are cancelled and the seats and redemption are free again
    assert (cancelled.status, cancelled.cancelled_at) == (
        OrderStatus.CANCELLED,
        now + timedelta(hours=1),
    )
    assert [t.status for t in tickets(paid)] == [TicketStatus.CANCELLED, TicketStatus.CANCELLED]
    assert counters(event, ticket_type, code=save10) == Counters(0, (0,), 0)
    # And the buyer gets a cancellation email once the worker runs
    run_pending()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert paid.code in mail.outbox[0].body


def test_cancelling_twice_is_a_conflict_and_releases_once(
    event: Event, ticket_type: TicketType, paid: Order, now: datetime
) -> None:
    services.order_cancel(actor=None, order=paid, now=now)
    with pytest.raises(errors.OrderStateConflict) as refusal:
        services.order_cancel(actor=None, order=paid, now=now)
    assert refusal.value.message == "A cancelled order cannot be cancelled."
    assert counters(event, ticket_type) == Counters(0, (0,))


def test_cancelling_an_expired_order_is_a_conflict(
    event: Event, ticket_type: TicketType, pending: Order
) -> None:
    later = pending.expires_at + timedelta(minutes=1)  # type: ignore[operator]
    with tenancy.for_organizer(event.organizer_id):
        services.reservations_release_expired(now=later)
    with pytest.raises(errors.OrderStateConflict):
        services.order_cancel(actor=None, order=pending, now=later)
    assert fresh(pending).status == OrderStatus.EXPIRED
    assert counters(event, ticket_type) == Counters(0, (0,))


def test_cancelling_a_pending_order_sends_no_email(
    event: Event, ticket_type: TicketType, pending: Order, now: datetime
) -> None:
    services.order_cancel(actor=None, order=pending, now=now)
    run_pending()
    assert mail.outbox == []
    assert counters(event, ticket_type) == Counters(0, (0,))


def test_marking_a_pending_order_paid_offline_issues_tickets(
    event: Event, ticket_type: TicketType, pending: Order, now: datetime
) -> None:
    # When the organizer records a bank transfer
    paid = services.order_mark_paid_offline(actor=UserFactory(), order=pending, now=now)
    # Then the order is paid, tickets issued, seats still counted once, the buyer emailed
    assert (paid.status, paid.payment_provider, paid.payment_reference) == (
        OrderStatus.PAID,
        "offline",
        f"offline-{paid.code}",
    )
    assert len(tickets(paid)) == 2
    assert counters(event, ticket_type) == Counters(2, (2,))
    run_pending()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_marking_an_expired_order_paid_takes_its_seats_again(
    event: Event, ticket_type: TicketType, pending: Order
) -> None:
    later = pending.expires_at + timedelta(minutes=1)  # type: ignore[operator]
    with tenancy.for_organizer(event.organizer_id):
        services.reservations_release_expired(now=later)
    assert counters(event, ticket_type) == Counters(0, (0,))
    paid = services.order_mark_paid_offline(actor=None, order=pending, now=later)
    assert paid.status == OrderStatus.PAID
    assert counters(event, ticket_type) == Counters(2, (2,))


def test_marking_an_expired_order_paid_when_seats_are_gone_changes_nothing(
    event: Event, now: datetime
) -> None:
    last = TicketTypeFactory(event=event, capacity=1)
    order = submit(
        services.reservation_create(event=event, quantities={last.pk: 1}, now=now), now=now
    )
    later = order.expires_at + timedelta(minutes=1)  # type: ignore[operator]
    services.reservation_create(event=event, quantities={last.pk: 1}, now=later)  # releases + takes
    with pytest.raises(errors.ReservationExpired):
        services.order_mark_paid_offline(actor=None, order=order, now=later)
    assert fresh(order).status == OrderStatus.EXPIRED
    assert counters(event, last) == Counters(1, (1,))


@pytest.mark.parametrize("state", ["reserved", "paid"])
def test_only_orders_waiting_for_payment_can_be_marked_paid(
    event: Event, ticket_type: TicketType, now: datetime, state: str
) -> None:
    order = services.reservation_create(event=event, quantities={ticket_type.pk: 1}, now=now)
    if state == "paid":
        pay(submit(order, now=now), now=now)
    with pytest.raises(errors.OrderStateConflict) as refusal:
        services.order_mark_paid_offline(actor=None, order=order, now=now)
    assert refusal.value.message == "Only an order waiting for payment can be marked paid."


def test_resending_the_confirmation_of_a_paid_order_queues_it_again(paid: Order) -> None:
    services.order_resend_confirmation(actor=UserFactory(), order=paid)
    run_pending()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert paid.code in mail.outbox[0].body


def test_only_paid_orders_have_a_confirmation_to_resend(pending: Order) -> None:
    with pytest.raises(errors.OrderStateConflict) as refusal:
        services.order_resend_confirmation(actor=None, order=fresh(pending))
    assert refusal.value.message == "Only paid orders have a confirmation to resend."
    run_pending()
    assert mail.outbox == []
