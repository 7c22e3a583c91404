"""Box-office sales (the API's service): paid at once, hidden types allowed, idempotent by key."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail

from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import errors, services
from blackcanyon.orders.models import Channel, Order, OrderStatus
from tests.factories import TicketTypeFactory
from tests.orders.domain.helpers import Counters, change, counters, order_count, tickets

pytestmark = pytest.mark.django_db


def _sell(
    event: Event, quantities: dict[int, int], now: datetime, **kw: object
) -> tuple[Order, bool]:
    details: dict[str, object] = {"buyer_name": "Door Sale", "buyer_email": "walkin@example.com"}
    details.update(kw)
    return services.order_create_box_office(
        actor=None,
        event=event,
        quantities=quantities,
        now=now,
        **details,  # type: ignore[arg-type]
    )


def test_box_office_sale_is_paid_with_tickets_at_once(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    order, created = _sell(event, {ticket_type.pk: 3}, now)
    assert created
    assert (order.status, order.channel, order.paid_at, order.expires_at) == (
        OrderStatus.PAID,
        Channel.BOX_OFFICE,
        now,
        None,
    )
    assert (order.total, order.payment_provider) == (7500, "box_office")
    assert len(tickets(order)) == 3
    assert counters(event, ticket_type) == Counters(3, (3,))
    run_pending()
    assert [m.to for m in mail.outbox] == [["walkin@example.com"]]


def test_retry_with_the_same_key_and_body_returns_the_first_order(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    # Given a sale with an Idempotency-Key
    first, _ = _sell(event, {ticket_type.pk: 2}, now, idempotency_key="till-7-0001")
    # When the till retries it (same key, same body)
    again, created = _sell(event, {ticket_type.pk: 2}, now, idempotency_key="till-7-0001")
    # Then it gets the first order back; seats were taken once, one email
    assert (again.pk, created) == (first.pk, False)
    assert order_count(event) == (1, 1)
    assert counters(event, ticket_type) == Counters(2, (2,))
    run_pending()
    assert len(mail.outbox) == 1


def test_same_key_with_a_different_body_is_refused(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    _sell(event, {ticket_type.pk: 2}, now, idempotency_key="till-7-0002")
    with pytest.raises(errors.IdempotencyConflict) as refusal:
        _sell(event, {ticket_type.pk: 3}, now, idempotency_key="till-7-0002")
    assert (refusal.value.code, refusal.value.status) == ("idempotency_key_reused", 409)
    assert counters(event, ticket_type) == Counters(2, (2,))


def test_different_keys_are_different_sales(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    a, _ = _sell(event, {ticket_type.pk: 1}, now, idempotency_key="a")
    b, created = _sell(event, {ticket_type.pk: 1}, now, idempotency_key="b")
    assert created
    assert a.pk != b.pk
    assert counters(event, ticket_type) == Counters(2, (2,))


def test_box_office_may_sell_hidden_types_and_outside_the_sales_window(
    event: Event, now: datetime
) -> None:
    hidden = TicketTypeFactory(event=event, name="Guest list", hidden=True)
    closed = TicketTypeFactory(event=event, name="Early bird", sales_end=now - timedelta(days=1))
    order, created = _sell(event, {hidden.pk: 1, closed.pk: 1}, now)
    assert created
    assert order.status == OrderStatus.PAID
    assert counters(event, hidden, closed) == Counters(2, (1, 1))


def test_box_office_still_refuses_more_than_capacity(event: Event, now: datetime) -> None:
    last = TicketTypeFactory(event=event, capacity=1, name="Last")
    _sell(event, {last.pk: 1}, now)
    with pytest.raises(errors.SoldOut) as refusal:
        _sell(event, {last.pk: 1}, now, idempotency_key="k")
    assert (refusal.value.code, refusal.value.status) == ("sold_out", 409)
    assert order_count(event) == (1, 1)
    assert counters(event, last) == Counters(1, (1,))
    # And the refused key was not used up: once a seat is added, the retry sells
    change(last, capacity=2)
    order, created = _sell(event, {last.pk: 1}, now, idempotency_key="k")
    assert created
    assert order.status == OrderStatus.PAID
