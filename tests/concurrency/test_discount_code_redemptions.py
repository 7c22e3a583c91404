"""64 parallel buyers in the web shop for a code with 5 redemptions left."""

from __future__ import annotations

import pytest
from django.test import override_settings

from blackcanyon.core import tenancy
from blackcanyon.orders.models import DiscountCode, DiscountKind, Order
from tests.concurrency.conftest import BUYERS, in_parallel, racers_meet
from tests.factories import TicketTypeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _code_with_five_left():
    ticket_type = TicketTypeFactory(capacity=100, price=4000)
    with tenancy.for_organizer(ticket_type.organizer_id):
        code = DiscountCode.objects.create(
            organizer=ticket_type.organizer,
            event=ticket_type.event,
            code="CANYON20",
            kind=DiscountKind.PERCENT,
            value=20,
            max_redemptions=5,
        )
    return ticket_type, code


def _reserve_with_code(ticket_type):
    event = ticket_type.event
    path = f"/e/{event.organizer.slug}/{event.slug}/"

    def request(client, index):
        # Each buyer comes from their own address (the shop rate-limits per address).
        response = client.post(
            path,
            {f"qty_{ticket_type.pk}": "1", "code": "canyon20"},
            REMOTE_ADDR=f"10.1.{index // 250}.{index % 250 + 1}",
        )
        return response.status_code

    return request


def _orders_with(code):
    with tenancy.for_organizer(code.organizer_id):
        return Order.objects.filter(discount_code=code).count(), DiscountCode.objects.get(
            pk=code.pk
        ).redeemed


def test_control_without_the_guard_the_code_is_redeemed_too_often(monkeypatch):
    # Given the naive read-then-write inventory
    ticket_type, code = _code_with_five_left()

    # When 64 buyers reserve with the code at once
    racers_meet(monkeypatch, 6)
    with override_settings(BCT_INVENTORY_GUARD=False):
        statuses = in_parallel(BUYERS, _reserve_with_code(ticket_type))

    # Then more than 5 reservations got the discount
    orders, _ = _orders_with(code)
    assert statuses.count(302) > 5
    assert orders > 5


def test_a_code_with_five_redemptions_left_is_redeemed_exactly_five_times():
    # Given a 20 % code with 5 redemptions left
    ticket_type, code = _code_with_five_left()

    # When 64 buyers reserve one ticket with it at the same moment
    statuses = in_parallel(BUYERS, _reserve_with_code(ticket_type))

    # Then exactly 5 reach checkout, every other buyer gets the page back with a refusal
    assert statuses.count(302) == 5
    assert all(400 <= status < 500 for status in statuses if status != 302), statuses
    orders, redeemed = _orders_with(code)
    assert orders == 5
    assert redeemed == 5
