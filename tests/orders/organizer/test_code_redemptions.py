"""Codes made by the organizer at work in the shop: discounts change the reservation total, access
codes unlock hidden types, and redemptions are limited, atomically taken and given back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from blackcanyon.core import clock, tenancy
from blackcanyon.orders import errors, services
from blackcanyon.orders.models import DiscountCode
from tests.factories import TicketTypeFactory
from tests.orders.organizer.helpers import reserve

pytestmark = pytest.mark.django_db


def make_code(owner, ticket_type, **kwargs):
    kwargs.setdefault("kind", "percent")
    kwargs.setdefault("value", 10)
    return services.discount_code_create(
        actor=owner.user, event=ticket_type.event, code=kwargs.pop("code", "SAVE"), **kwargs
    )


def redeemed(code: DiscountCode) -> int:
    with tenancy.scoped(organizer_id=code.organizer_id):
        return DiscountCode.objects.get(pk=code.pk).redeemed


def test_percent_code_takes_a_share_off_each_ticket(owner, ticket_type):
    # Given 10% off, and Floor at $25.00
    make_code(owner, ticket_type, code="ten-off", kind="percent", value=10)

    # When a buyer reserves two tickets with the code typed in lower case
    order = reserve(ticket_type, 2, code="ten-off")

    # Then $2.50 comes off each ticket
    assert (order.subtotal, order.discount_total, order.total) == (5000, 500, 4500)


def test_fixed_code_takes_an_amount_off_each_ticket_of_its_types_only(owner, ticket_type):
    # Given $5.00 off Balcony tickets only
    balcony = TicketTypeFactory(event=ticket_type.event, name="Balcony", price=3000)
    make_code(
        owner, ticket_type, code="FIVE", kind="fixed", value=500, ticket_type_ids=[balcony.pk]
    )

    # When a buyer reserves one Floor and two Balcony tickets with the code
    order = services.reservation_create(
        event=ticket_type.event, quantities={ticket_type.pk: 1, balcony.pk: 2}, code="FIVE"
    )

    # Then only Balcony is discounted
    assert (order.subtotal, order.discount_total, order.total) == (8500, 1000, 7500)


def test_access_code_unlocks_a_hidden_ticket_type(owner, ticket_type):
    # Given a hidden Backstage type and an access code for it
    backstage = TicketTypeFactory(event=ticket_type.event, name="Backstage", hidden=True)
    make_code(
        owner,
        ticket_type,
        code="CREW-ONLY",
        kind="access",
        value=0,
        unlocks_hidden=True,
        ticket_type_ids=[backstage.pk],
    )

    # Without the code the hidden type cannot be bought
    with pytest.raises(errors.UnknownTicketType):
        reserve(backstage, 1)

    # With it the buyer gets it at full price
    order = reserve(backstage, 1, code="crew-only")
    assert (order.total, order.discount_total) == (backstage.price, 0)


def test_max_redemptions_are_enforced(owner, ticket_type):
    # Given a code for 3 orders
    code = make_code(owner, ticket_type, max_redemptions=3)
    for _ in range(3):
        reserve(ticket_type, 1, code="SAVE")
    assert redeemed(code) == 3

    # When a fourth buyer tries it
    with pytest.raises(errors.CodeUsedUp):
        reserve(ticket_type, 1, code="SAVE")

    # Then nothing more was taken
    assert redeemed(code) == 3


def test_an_expired_reservation_gives_its_redemption_back(owner, ticket_type):
    # Given a single-use code held by a reservation
    code = make_code(owner, ticket_type, max_redemptions=1)
    start = clock.now()
    reserve(ticket_type, 1, code="SAVE", now=start)
    with pytest.raises(errors.CodeUsedUp):
        reserve(ticket_type, 1, code="SAVE", now=start + timedelta(minutes=1))

    # When the reservation has expired and the release job ran (in a context that sees it)
    later = start + timedelta(minutes=16)
    with tenancy.scoped(organizer_id=ticket_type.organizer_id):
        released = services.reservations_release_expired(now=later, event_id=ticket_type.event_id)
    assert released == 1

    # Then the code can be used again
    assert redeemed(code) == 0
    order = reserve(ticket_type, 1, code="SAVE", now=later)
    assert order.discount_code_id == code.pk
    assert redeemed(code) == 1


def test_an_expired_hold_is_released_on_demand_for_the_next_buyer(owner, ticket_type):
    code = make_code(owner, ticket_type, max_redemptions=1)
    start = clock.now()
    reserve(ticket_type, 1, code="SAVE", now=start)

    # The next buyer after expiry gets the code without waiting for the scheduled job
    order = reserve(ticket_type, 1, code="SAVE", now=start + timedelta(minutes=16))

    assert order.discount_code_id == code.pk
    assert redeemed(code) == 1


def test_a_cancelled_reservation_gives_its_redemption_back(owner, ticket_type):
    code = make_code(owner, ticket_type, max_redemptions=1)
    order = reserve(ticket_type, 1, code="SAVE")

    services.order_cancel(actor=owner.user, order=order, reason="")

    assert redeemed(code) == 0
    reserve(ticket_type, 1, code="SAVE")
    assert redeemed(code) == 1


def test_a_deactivated_code_is_refused(owner, ticket_type):
    code = make_code(owner, ticket_type)

    services.discount_code_deactivate(actor=owner.user, discount_code=code)

    with pytest.raises(errors.InvalidCode):
        reserve(ticket_type, 1, code="SAVE")


def test_a_code_outside_its_window_is_refused(owner, ticket_type):
    now = clock.now()
    make_code(owner, ticket_type, valid_from=now + timedelta(days=1))

    with pytest.raises(errors.CodeNotValidNow):
        reserve(ticket_type, 1, code="SAVE", now=now)
    assert reserve(ticket_type, 1, code="SAVE", now=now + timedelta(days=2)).discount_total == 250
