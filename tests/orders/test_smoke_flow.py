"""The service path a web buyer takes: reserve → details → pay → tickets, and the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import errors, services
from blackcanyon.orders.models import Order, OrderStatus, Ticket
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _counts(ticket_type):
    with tenancy.for_organizer(ticket_type.organizer_id):
        return (
            TicketType.objects.get(pk=ticket_type.pk).taken,
            Event.objects.get(pk=ticket_type.event_id).taken,
        )


def test_reserve_pay_issues_tickets_and_emails_the_buyer():
    # Given a ticket type with 5 seats
    ticket_type = TicketTypeFactory(capacity=5, price=2500)
    event = ticket_type.event

    # When a buyer reserves 2, gives details and pays
    order = services.reservation_create(event=event, quantities={ticket_type.pk: 2})
    assert _counts(ticket_type) == (2, 2)
    order = services.order_submit_details(
        order=order, buyer_name="Ana Canyon", buyer_email="ana@example.com", accept_terms=True
    )
    order = services.order_confirm_payment(
        order=order, provider="test", reference="t-1", amount=5000
    )

    # Then the order is paid with two tickets and a confirmation email after the worker runs
    assert order.status == OrderStatus.PAID
    with tenancy.for_organizer(event.organizer_id):
        assert Ticket.objects.filter(order=order).count() == 2
    run_pending()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert order.code in mail.outbox[0].body


def test_sold_out_and_fewer_left_are_explained():
    ticket_type = TicketTypeFactory(capacity=3, name="Floor")
    TicketTypeFactory(event=ticket_type.event, capacity=10, name="Balcony")
    services.reservation_create(event=ticket_type.event, quantities={ticket_type.pk: 2})

    with pytest.raises(errors.NotEnoughLeft, match="Only 1 Floor"):
        services.reservation_create(event=ticket_type.event, quantities={ticket_type.pk: 2})
    services.reservation_create(event=ticket_type.event, quantities={ticket_type.pk: 1})
    with pytest.raises(errors.SoldOut, match=r"Floor is sold out\. Still available: Balcony"):
        services.reservation_create(event=ticket_type.event, quantities={ticket_type.pk: 1})
    assert _counts(ticket_type) == (3, 3)


def test_expired_reservation_is_released_and_its_seats_sold_again():
    ticket_type = TicketTypeFactory(capacity=1)
    start = clock.now()
    order = services.reservation_create(
        event=ticket_type.event, quantities={ticket_type.pk: 1}, now=start
    )
    later = start + timedelta(minutes=16)

    # A second buyer after expiry gets the seat (the expired hold is released on demand)
    second = services.reservation_create(
        event=ticket_type.event, quantities={ticket_type.pk: 1}, now=later
    )
    with tenancy.for_organizer(ticket_type.organizer_id):
        assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED
    assert second.status == OrderStatus.RESERVED
    assert _counts(ticket_type) == (1, 1)

    # And the first buyer's details are refused as expired
    with pytest.raises(errors.ReservationExpired):
        services.order_submit_details(
            order=order, buyer_name="A", buyer_email="a@example.com", accept_terms=True, now=later
        )


def test_event_wide_capacity_is_shared_between_types():
    event = EventFactory(capacity=3)
    a = TicketTypeFactory(event=event, capacity=3)
    b = TicketTypeFactory(event=event, capacity=3)
    services.reservation_create(event=event, quantities={a.pk: 2})
    with pytest.raises(errors.NotEnoughLeft, match="Only 1 tickets are left for this event"):
        services.reservation_create(event=event, quantities={b.pk: 2})


def test_box_office_sale_is_idempotent():
    ticket_type = TicketTypeFactory(capacity=10)
    first, created = services.order_create_box_office(
        actor=None,
        event=ticket_type.event,
        quantities={ticket_type.pk: 2},
        buyer_name="Door",
        idempotency_key="k-1",
    )
    again, created_again = services.order_create_box_office(
        actor=None,
        event=ticket_type.event,
        quantities={ticket_type.pk: 2},
        buyer_name="Door",
        idempotency_key="k-1",
    )
    assert created
    assert not created_again
    assert again.pk == first.pk
    assert _counts(ticket_type) == (2, 2)
