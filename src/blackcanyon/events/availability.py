"""Whether a ticket type can be bought right now: one pure function, no database.

Public pages, the organizer dashboard and (later) checkout all ask the same question, so the rules
live here once. Checkout still takes seats with a conditional UPDATE; this module only *describes*
the state, it never guarantees a seat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SaleState(StrEnum):
    ON_SALE = "on_sale"
    SOLD_OUT = "sold_out"
    NOT_YET = "not_yet"
    ENDED = "ended"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    SaleState.ON_SALE: "On sale",
    SaleState.SOLD_OUT: "Sold out",
    SaleState.NOT_YET: "Not yet on sale",
    SaleState.ENDED: "Sales ended",
    SaleState.CANCELLED: "Cancelled",
}


@dataclass(frozen=True, slots=True)
class Availability:
    state: SaleState
    # Seats a buyer could still get (0 unless on sale).
    remaining: int

    @property
    def on_sale(self) -> bool:
        return self.state is SaleState.ON_SALE


def ticket_availability(
    *,
    now: datetime,
    capacity: int,
    taken: int,
    sales_start: datetime | None,
    sales_end: datetime | None,
    event_cancelled: bool,
    event_ends_at: datetime,
    event_capacity: int | None,
    event_taken: int,
) -> Availability:
    """State of one ticket type at ``now``.

    ``event_taken`` is the sum of ``taken`` over *all* the event's ticket types (hidden ones too):
    an event-wide capacity is shared by every type. Precedence: a cancelled event sells nothing;
    then an ended sale (its own end, or the event's end) beats sold out, which beats not yet on
    sale.
    """
    if event_cancelled:
        return Availability(SaleState.CANCELLED, 0)
    sale_closes = event_ends_at if sales_end is None else min(sales_end, event_ends_at)
    if now >= sale_closes:
        return Availability(SaleState.ENDED, 0)
    remaining = capacity - taken
    if event_capacity is not None:
        remaining = min(remaining, event_capacity - event_taken)
    if remaining <= 0:
        return Availability(SaleState.SOLD_OUT, 0)
    if sales_start is not None and now < sales_start:
        return Availability(SaleState.NOT_YET, 0)
    return Availability(SaleState.ON_SALE, remaining)
