"""Checkout: buyer details (every field explained), terms recorded, payment confirmed once per
reference, declines keep the hold, free orders, and payments that arrive after the hold expired."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail

from blackcanyon.core import tenancy
from blackcanyon.core.errors import ValidationFailed
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import errors, services
from blackcanyon.orders.models import DiscountKind, Order, OrderStatus, PaymentAttempt
from tests.factories import TicketTypeFactory
from tests.orders.domain.helpers import (
    Counters,
    change,
    counters,
    fresh,
    lines,
    pay,
    submit,
    tickets,
)
from tests.orders.helpers import discount_code

pytestmark = pytest.mark.django_db

TTL = timedelta(minutes=settings.BCT_RESERVATION_MINUTES)


@pytest.fixture
def order(event: Event, ticket_type: TicketType, now: datetime) -> Order:
    """Two Floor tickets reserved at NOW ($50.00)."""
    return services.reservation_create(event=event, quantities={ticket_type.pk: 2}, now=now)


def _attempts(order: Order) -> list[tuple[str, str, int]]:
    with tenancy.for_organizer(order.organizer_id):
        return list(
            PaymentAttempt.objects.filter(order_id=order.pk)
            .order_by("id")
            .values_list("provider", "result", "amount")
        )


# --- Details ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"buyer_name": "   "}, "buyer_name", "Enter your name."),
        ({"buyer_name": "A" * 151}, "buyer_name", "Use at most 150 characters."),
        (
            {"buyer_email": "ana-at-example.com"},
            "buyer_email",
            "Enter a valid email address: your tickets are sent there.",
        ),
        (
            {"buyer_email": ""},
            "buyer_email",
            "Enter a valid email address: your tickets are sent there.",
        ),
        (
            {"accept_terms": False},
            "accept_terms",
            "Please accept the terms of sale and the privacy policy.",
        ),
    ],
)
def test_each_bad_detail_is_explained_next_to_its_field(
    order: Order, now: datetime, given: dict[str, object], field: str, message: str
) -> None:
    # When the buyer submits details with one problem
    with pytest.raises(ValidationFailed) as refusal:
        submit(order, now=now, **given)
    # Then that field (only) carries the message, and the order is untouched
    assert refusal.value.fields == {field: [message]}
    assert refusal.value.status == 422
    unchanged = fresh(order)
    assert (unchanged.status, unchanged.buyer_name, unchanged.terms_accepted_at) == (
        OrderStatus.RESERVED,
        "",
        None,
    )


def test_all_bad_details_are_reported_at_once(order: Order, now: datetime) -> None:
    with pytest.raises(ValidationFailed) as refusal:
        submit(order, now=now, buyer_name="", buyer_email="nope", accept_terms=False)
    assert set(refusal.value.fields) == {"buyer_name", "buyer_email", "accept_terms"}


def test_details_are_tidied_and_the_terms_versions_recorded(
    order: Order, now: datetime, settings: Any
) -> None:
    # Given the current policy versions
    settings.BCT_TERMS_VERSION = "2027-01-15"
    settings.BCT_PRIVACY_VERSION = "2027-02-01"
    # When the buyer submits details a minute after reserving
    at = now + timedelta(minutes=1)
    pending = submit(order, now=at, buyer_name="  Ana   Canyon ", buyer_email=" Ana@Example.COM ")
    # Then the order waits for payment, with who, and which versions were accepted when
    assert pending.status == OrderStatus.PENDING
    assert (pending.buyer_name, pending.buyer_email) == ("Ana Canyon", "ana@example.com")
    assert (pending.terms_version, pending.privacy_version, pending.terms_accepted_at) == (
        "2027-01-15",
        "2027-02-01",
        at,
    )


def test_attendee_names_are_required_when_the_event_asks(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given an event that asks for attendee names, and an order of 2 Floor + 1 Balcony
    change(event, ask_attendee_names=True)
    balcony = TicketTypeFactory(event=event, name="Balcony")
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 2, balcony.pk: 1}, now=now
    )
    floor_line, balcony_line = lines(order)
    # When names are missing for one line and blank for the other
    with pytest.raises(ValidationFailed) as refusal:
        submit(order, now=now, attendee_names={floor_line.pk: ["Ana"], balcony_line.pk: [" "]})
    # Then both lines are flagged
    assert refusal.value.fields == {
        f"attendee_{floor_line.pk}": ["Enter the name of every attendee."],
        f"attendee_{balcony_line.pk}": ["Enter the name of every attendee."],
    }
    # When every name is given, Then each ticket carries its attendee's name
    submit(
        order,
        now=now,
        attendee_names={floor_line.pk: ["Ana  Canyon", "Bo Ridge"], balcony_line.pk: ["Cy Mesa"]},
    )
    pay(order, now=now)
    assert [t.attendee_name for t in tickets(order)] == ["Ana Canyon", "Bo Ridge", "Cy Mesa"]


def test_attendee_names_are_optional_otherwise_and_tickets_carry_the_buyer(
    order: Order, now: datetime
) -> None:
    pay(submit(order, now=now, buyer_name="Ana Canyon"), now=now)
    assert [t.attendee_name for t in tickets(order)] == ["Ana Canyon", "Ana Canyon"]


def test_details_after_the_reservation_expired_are_refused(order: Order) -> None:
    with pytest.raises(errors.ReservationExpired) as refusal:
        submit(order, now=order.expires_at)
    assert (refusal.value.code, refusal.value.status) == ("reservation_expired", 410)
    assert fresh(order).status == OrderStatus.RESERVED


def test_details_can_be_corrected_while_pending(order: Order, now: datetime) -> None:
    submit(order, now=now, buyer_email="typo@exmaple.com")
    corrected = submit(order, now=now, buyer_email="ana@example.com")
    assert (corrected.status, corrected.buyer_email) == (OrderStatus.PENDING, "ana@example.com")


# --- Payment ---------------------------------------------------------------------------------


def test_declined_payment_keeps_the_hold_and_the_buyer_can_retry(
    event: Event, ticket_type: TicketType, order: Order, now: datetime
) -> None:
    # Given a pending order whose card is declined
    submit(order, now=now)
    services.payment_record_declined(
        order=order, provider="test", reference="t-declined", message="Card declined"
    )
    # Then the order still waits for payment, holding its seats
    assert fresh(order).status == OrderStatus.PENDING
    assert counters(event, ticket_type) == Counters(2, (2,))
    # When the buyer retries and it is approved
    paid = pay(order, reference="t-approved", now=now)
    # Then it is paid, with both attempts on record
    assert paid.status == OrderStatus.PAID
    assert _attempts(order) == [("test", "declined", 5000), ("test", "approved", 5000)]
    assert counters(event, ticket_type) == Counters(2, (2,))


def test_payment_issues_tickets_and_queues_one_confirmation(order: Order, now: datetime) -> None:
    submit(order, now=now)
    paid = pay(order, reference="t-1", now=now)
    assert (paid.status, paid.paid_at, paid.expires_at) == (OrderStatus.PAID, now, None)
    assert (paid.payment_provider, paid.payment_reference) == ("test", "t-1")
    assert len(tickets(order)) == 2
    run_pending()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_confirming_the_same_payment_twice_changes_nothing(order: Order, now: datetime) -> None:
    # Given a paid order
    submit(order, now=now)
    first = pay(order, reference="t-1", now=now)
    # When the provider confirms the same payment again (a retried webhook)
    again = pay(order, reference="t-1", now=now + timedelta(minutes=1))
    # Then the same order comes back: no second set of tickets, attempt or email
    assert (again.pk, again.status, again.paid_at) == (first.pk, OrderStatus.PAID, now)
    assert len(tickets(order)) == 2
    assert len(_attempts(order)) == 1
    run_pending()
    assert len(mail.outbox) == 1


def test_a_second_different_payment_of_a_paid_order_is_a_conflict(
    order: Order, now: datetime
) -> None:
    submit(order, now=now)
    pay(order, reference="t-1", now=now)
    with pytest.raises(errors.OrderStateConflict):
        pay(order, reference="t-2", now=now)


def test_payment_before_details_is_a_conflict(order: Order, now: datetime) -> None:
    with pytest.raises(errors.OrderStateConflict):
        pay(order, now=now)
    assert fresh(order).status == OrderStatus.RESERVED


def test_wrong_amount_is_refused_and_nothing_changes(order: Order, now: datetime) -> None:
    submit(order, now=now)
    with pytest.raises(ValidationFailed) as refusal:
        services.order_confirm_payment(
            order=order, provider="test", reference="t-1", amount=4999, now=now
        )
    assert refusal.value.message == "The amount paid does not match the order total."
    assert fresh(order).status == OrderStatus.PENDING
    assert tickets(order) == []


def test_free_order_skips_payment(event: Event, now: datetime) -> None:
    # Given a free ticket type
    free = TicketTypeFactory(event=event, price=0, name="Free")
    order = services.reservation_create(event=event, quantities={free.pk: 2}, now=now)
    submit(order, now=now)
    # When the buyer confirms
    paid = services.order_pay_free(order=fresh(order), now=now)
    # Then it is paid without a provider, with tickets
    assert (paid.status, paid.total, paid.payment_provider) == (OrderStatus.PAID, 0, "free")
    assert len(tickets(order)) == 2


def test_fully_discounted_order_is_free(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    discount_code(event, code="COMP", kind=DiscountKind.PERCENT, value=100)
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 1}, code="COMP", now=now
    )
    submit(order, now=now)
    assert services.order_pay_free(order=fresh(order), now=now).status == OrderStatus.PAID


def test_an_order_with_something_to_pay_cannot_skip_payment(order: Order, now: datetime) -> None:
    submit(order, now=now)
    with pytest.raises(errors.OrderStateConflict):
        services.order_pay_free(order=fresh(order), now=now)
    assert fresh(order).status == OrderStatus.PENDING


# --- Payments arriving after the hold expired ------------------------------------------------


def _expire(order: Order) -> datetime:
    later = order.expires_at + timedelta(minutes=5)  # type: ignore[operator]
    with tenancy.for_organizer(order.organizer_id):
        assert services.reservations_release_expired(now=later) == 1
    return later


def test_late_payment_before_the_release_keeps_the_held_seats(
    event: Event, ticket_type: TicketType, order: Order, now: datetime
) -> None:
    # Given a pending order past its time that the job has not released yet
    submit(order, now=now)
    late = order.expires_at + timedelta(minutes=1)  # type: ignore[operator]
    # When the payment is confirmed
    paid = pay(order, now=late)
    # Then it is paid with the seats it held (counted once)
    assert paid.status == OrderStatus.PAID
    assert counters(event, ticket_type) == Counters(2, (2,))


def test_late_payment_after_the_release_takes_the_seats_again_if_free(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given a pending order with a code, expired and released by the job
    code = discount_code(event, code="LATE", max_redemptions=1)
    order = services.reservation_create(
        event=event, quantities={ticket_type.pk: 1}, code="LATE", now=now
    )
    submit(order, now=now)
    later = _expire(order)
    assert counters(event, ticket_type, code=code) == Counters(0, (0,), 0)
    # When the provider confirms the payment late
    paid = pay(fresh(order), now=later)
    # Then the order is paid and its seat and redemption are taken again
    assert (paid.status, paid.released_at) == (OrderStatus.PAID, None)
    assert len(tickets(order)) == 1
    assert counters(event, ticket_type, code=code) == Counters(1, (1,), 1)


def test_late_payment_after_the_seats_were_sold_again_is_refused_and_changes_nothing(
    event: Event, now: datetime
) -> None:
    # Given the last seat: held, expired and released, then bought by someone else
    last = TicketTypeFactory(event=event, capacity=1, name="Last")
    order = services.reservation_create(event=event, quantities={last.pk: 1}, now=now)
    submit(order, now=now)
    later = _expire(order)
    services.reservation_create(event=event, quantities={last.pk: 1}, now=later)
    # When the first buyer's payment is confirmed late
    with pytest.raises(errors.ReservationExpired) as refusal:
        pay(fresh(order), now=later)
    # Then it is refused, the order stays expired without tickets, and nobody is oversold
    assert refusal.value.message == (
        "Your reservation expired and the tickets are no longer available."
    )
    assert fresh(order).status == OrderStatus.EXPIRED
    assert tickets(order) == []
    assert _attempts(order) == []
    assert counters(event, last) == Counters(1, (1,))
