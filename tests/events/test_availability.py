"""The sale state of a ticket type, as a pure function (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from blackcanyon.events.availability import SaleState, ticket_availability

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
EVENT_END = NOW + timedelta(days=30)


def state_of(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "now": NOW,
        "capacity": 100,
        "taken": 0,
        "sales_start": None,
        "sales_end": None,
        "event_cancelled": False,
        "event_ends_at": EVENT_END,
        "event_capacity": None,
        "event_taken": 0,
    }
    values.update(overrides)
    return ticket_availability(**values)


def test_type_with_seats_and_no_window_is_on_sale_with_what_is_left():
    availability = state_of(taken=40)

    assert availability.state is SaleState.ON_SALE
    assert availability.on_sale
    assert availability.remaining == 60


def test_type_with_every_seat_taken_is_sold_out():
    assert state_of(capacity=5, taken=5).state is SaleState.SOLD_OUT


def test_type_with_zero_capacity_is_sold_out():
    assert state_of(capacity=0).state is SaleState.SOLD_OUT


def test_type_before_its_sales_start_is_not_yet_on_sale():
    availability = state_of(sales_start=NOW + timedelta(minutes=1))

    assert availability.state is SaleState.NOT_YET
    assert availability.remaining == 0


def test_type_exactly_at_its_sales_start_is_on_sale():
    assert state_of(sales_start=NOW).state is SaleState.ON_SALE


def test_type_after_its_sales_end_has_ended():
    assert state_of(sales_end=NOW).state is SaleState.ENDED


def test_type_without_sales_end_stops_selling_when_the_event_ends():
    assert state_of(event_ends_at=NOW - timedelta(seconds=1)).state is SaleState.ENDED


def test_cancelled_event_sells_nothing_even_with_seats_left():
    availability = state_of(event_cancelled=True)

    assert availability.state is SaleState.CANCELLED
    assert availability.remaining == 0


def test_event_wide_capacity_shared_by_two_types_sells_out_both():
    # Given an event of 10 seats whose two types (100 seats each) have taken 6 and 4
    shared = {"event_capacity": 10, "event_taken": 6 + 4}

    # When each type's state is computed
    general = state_of(capacity=100, taken=6, **shared)
    vip = state_of(capacity=100, taken=4, **shared)

    # Then both are sold out although each has seats of its own left
    assert general.state is SaleState.SOLD_OUT
    assert vip.state is SaleState.SOLD_OUT


def test_event_wide_capacity_limits_what_is_left_of_a_type():
    availability = state_of(capacity=100, taken=0, event_capacity=10, event_taken=7)

    assert availability.state is SaleState.ON_SALE
    assert availability.remaining == 3


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"event_cancelled": True, "taken": 100}, SaleState.CANCELLED),
        ({"sales_end": NOW, "taken": 100}, SaleState.ENDED),
        ({"sales_start": NOW + timedelta(days=1), "taken": 100}, SaleState.SOLD_OUT),
    ],
)
def test_states_take_precedence_cancelled_then_ended_then_sold_out(overrides, expected):
    assert state_of(**overrides).state is expected


def test_every_state_has_a_human_label():
    assert {s.label for s in SaleState} == {
        "On sale",
        "Sold out",
        "Not yet on sale",
        "Sales ended",
        "Cancelled",
    }
