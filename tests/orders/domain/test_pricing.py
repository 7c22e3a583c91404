"""Pricing (orders/pricing.py): the one place totals are computed, in integer minor units."""

from __future__ import annotations

import pytest

from blackcanyon.orders.models import DiscountCode, DiscountKind
from blackcanyon.orders.pricing import LineInput, quote, unit_discount

VIP, FLOOR, BALCONY = 1, 2, 3


def _code(kind: str, value: int) -> DiscountCode:
    # Pricing only reads kind and value: an unsaved code is the real input.
    return DiscountCode(kind=kind, value=value)


@pytest.mark.parametrize(
    ("price", "percent", "expected"),
    [
        (2500, 10, 250),  # exact
        (999, 15, 150),  # 149.85 → 150
        (1050, 5, 53),  # 52.5 → 53: half rounds up
        (1049, 5, 52),  # 52.45 → 52
        (1, 50, 1),  # 0.5 → 1
        (3, 50, 2),  # 1.5 → 2
        (2, 25, 1),  # 0.5 → 1
        (1999, 33, 660),  # 659.67 → 660
        (2500, 100, 2500),
        (0, 50, 0),
    ],
)
def test_percent_discount_rounds_half_up_to_the_minor_unit(
    price: int, percent: int, expected: int
) -> None:
    # Given a ticket price in cents and a percent code, When the discount is computed
    discount = unit_discount(unit_price=price, kind=DiscountKind.PERCENT, value=percent)
    # Then it is rounded half up to a whole cent
    assert discount == expected


@pytest.mark.parametrize(
    ("price", "amount_off", "expected"),
    [(2500, 500, 500), (2500, 2500, 2500), (500, 700, 500), (0, 100, 0), (2500, 0, 0)],
)
def test_fixed_discount_is_capped_at_the_ticket_price(
    price: int, amount_off: int, expected: int
) -> None:
    # When a fixed amount is taken off one ticket
    discount = unit_discount(unit_price=price, kind=DiscountKind.FIXED, value=amount_off)
    # Then the ticket never costs less than nothing
    assert discount == expected


def test_percent_above_one_hundred_never_makes_a_ticket_negative() -> None:
    assert unit_discount(unit_price=1000, kind=DiscountKind.PERCENT, value=150) == 1000


def test_access_code_gives_no_discount() -> None:
    assert unit_discount(unit_price=2500, kind=DiscountKind.ACCESS, value=30) == 0


def test_code_limited_to_some_types_discounts_only_those() -> None:
    # Given an order of VIP and Floor tickets and a 20 % code limited to VIP
    lines = [
        LineInput(ticket_type_id=VIP, quantity=2, unit_price=5000),
        LineInput(ticket_type_id=FLOOR, quantity=3, unit_price=2500),
    ]
    # When it is priced
    priced = quote(
        lines=lines, code=_code(DiscountKind.PERCENT, 20), eligible_type_ids=frozenset({VIP})
    )
    # Then only the VIP tickets are cheaper
    assert [(p.ticket_type_id, p.unit_discount) for p in priced.lines] == [(VIP, 1000), (FLOOR, 0)]
    assert (priced.subtotal, priced.discount_total, priced.total) == (17500, 2000, 15500)


def test_code_without_type_limit_discounts_every_type() -> None:
    lines = [
        LineInput(ticket_type_id=VIP, quantity=1, unit_price=5000),
        LineInput(ticket_type_id=FLOOR, quantity=1, unit_price=2500),
    ]
    priced = quote(lines=lines, code=_code(DiscountKind.FIXED, 1000), eligible_type_ids=frozenset())
    assert [p.unit_discount for p in priced.lines] == [1000, 1000]
    assert priced.total == 5500


def test_no_code_means_no_discount() -> None:
    lines = [LineInput(ticket_type_id=VIP, quantity=4, unit_price=1234)]
    priced = quote(lines=lines, code=None, eligible_type_ids=frozenset({VIP}))
    assert (priced.subtotal, priced.discount_total, priced.total) == (4936, 0, 4936)


@pytest.mark.parametrize(
    ("kind", "value", "eligible"),
    [
        (DiscountKind.PERCENT, 15, frozenset()),
        (DiscountKind.PERCENT, 33, frozenset({FLOOR})),
        (DiscountKind.PERCENT, 100, frozenset({VIP, BALCONY})),
        (DiscountKind.FIXED, 999, frozenset()),
        (DiscountKind.FIXED, 10_000, frozenset({BALCONY})),
        (DiscountKind.ACCESS, 0, frozenset()),
    ],
)
@pytest.mark.parametrize(
    "quantities_and_prices",
    [
        [(VIP, 1, 1)],
        [(VIP, 3, 1999), (FLOOR, 2, 2500), (BALCONY, 7, 1049)],
        [(VIP, 10, 0), (FLOOR, 1, 99_999)],
        [(BALCONY, 5, 333)],
    ],
)
def test_totals_add_up_line_by_line(
    kind: str,
    value: int,
    eligible: frozenset[int],
    quantities_and_prices: list[tuple[int, int, int]],
) -> None:
    # Given any mix of lines and any code
    lines = [
        LineInput(ticket_type_id=t, quantity=q, unit_price=p) for t, q, p in quantities_and_prices
    ]
    # When the order is priced
    priced = quote(lines=lines, code=_code(kind, value), eligible_type_ids=eligible)
    # Then subtotal, discount and total are the sums of the lines, and nothing is negative
    assert priced.subtotal == sum(q * p for _, q, p in quantities_and_prices)
    assert priced.discount_total == sum(line.unit_discount * line.quantity for line in priced.lines)
    assert priced.total == priced.subtotal - priced.discount_total
    assert priced.total == sum(line.total for line in priced.lines)
    assert all(0 <= line.unit_discount <= line.unit_price for line in priced.lines)
    assert [line.ticket_type_id for line in priced.lines] == [
        t for t, _, _ in quantities_and_prices
    ]
