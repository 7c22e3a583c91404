"""Sold versus held on the events app's organizer pages, without the events app importing orders.

``taken`` counts every seat not free to buy: paid tickets and seats held by orders a buyer is
still checking out (or paying for at Stripe). The pages show what is sold and, apart, what is held:

    {% event_holds events as holds %}
    {% with hold=holds|hold_of:event.pk %}{{ event.tickets_taken|sold_of:hold }} …{% endwith %}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template

from blackcanyon.core import clock
from blackcanyon.orders.selectors import Holds, holds_by_event, holds_by_ticket_type

register = template.Library()


@register.simple_tag
def event_holds(events: Iterable[Any]) -> dict[int, Holds]:
    """Holds per event of ``events`` (one query)."""
    return holds_by_event(event_ids=[event.pk for event in events], now=clock.now())


@register.simple_tag
def ticket_type_holds(event: Any) -> dict[int, Holds]:
    """Holds per ticket type of ``event`` (one query)."""
    return holds_by_ticket_type(event_ids=[event.pk], now=clock.now())


@register.filter
def hold_of(holds: Mapping[int, Holds], key: int) -> Holds:
    return holds.get(key) or Holds()


@register.filter
def all_holds(holds: Mapping[int, Holds]) -> Holds:
    """The holds of all keys together (an event's, from its ticket types')."""
    return Holds(
        live=sum(hold.live for hold in holds.values()),
        lapsed=sum(hold.lapsed for hold in holds.values()),
    )


@register.filter
def sold_of(taken: int | None, hold: Holds) -> int:
    """Seats sold: taken minus those held by unpaid orders."""
    return max((taken or 0) - hold.total, 0)
