"""Reads for the events app. Public selectors run with no organizer context (RLS shows only
published and cancelled events there); organizer selectors always filter by organizer too."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet, Sum

from blackcanyon.core import fastselect
from blackcanyon.core.money import Money
from blackcanyon.events.availability import Availability, ticket_availability
from blackcanyon.events.errors import EventNotFound, TicketTypeNotFound
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.organizers.models import Organizer

PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class TicketOffer:
    """A ticket type as a buyer (or organizer) sees it at one moment."""

    ticket_type: TicketType
    availability: Availability

    @property
    def price(self) -> Money:
        return Money(self.ticket_type.price, self.ticket_type.currency)


@dataclass(frozen=True, slots=True)
class EventPage:
    """An event with its ticket offers at one moment, and the seat totals over them."""

    event: Event
    offers: list[TicketOffer]

    @property
    def tickets_taken(self) -> int:
        return sum(offer.ticket_type.taken for offer in self.offers)

    @property
    def tickets_capacity(self) -> int:
        return sum(offer.ticket_type.capacity for offer in self.offers)


@dataclass(frozen=True, slots=True)
class OrganizerEvents:
    """An organizer's events split at ``now``: upcoming (soonest first) and past (latest first)."""

    upcoming: list[Event]
    past: list[Event]


def event_list_public(*, now: datetime) -> QuerySet[Event]:
    """Published events that have not ended yet (upcoming or on now), soonest first.

    Each event carries ``min_price`` / ``min_price_currency`` (lowest price of its visible ticket
    types, ``None`` when it has none) so a page of cards costs one query.
    """
    visible = Q(ticket_types__hidden=False)
    return (
        Event.objects.filter(status=EventStatus.PUBLISHED, ends_at__gt=now)
        .select_related("organizer")
        .defer("description", "description_html", "venue_address")
        .annotate(
            min_price=Min("ticket_types__price", filter=visible),
            min_price_currency=Min("ticket_types__currency", filter=visible),
        )
        .order_by("starts_at", "id")
    )


def event_get_public(*, organizer_slug: str, event_slug: str) -> Event:
    """A published or cancelled event with its organizer and ticket types; drafts are not found."""
    event = (
        Event.objects.filter(
            organizer__slug=organizer_slug, slug=event_slug, status__in=PUBLIC_STATUSES
        )
        .select_related("organizer")
        .prefetch_related("ticket_types")
        .first()
    )
    if event is None:
        raise EventNotFound()
    return event


def event_ticket_offers(
    *,
    event: Event,
    now: datetime,
    include_hidden: bool = False,
    unlocked: Collection[int] = (),
    expired_holds: Mapping[int, int] | None = None,
) -> list[TicketOffer]:
    """Every ticket type of ``event`` with its sale state at ``now``.

    Uses the prefetched ``ticket_types`` when present. Hidden types still count towards the
    event-wide capacity; they are only left out of the result unless ``include_hidden`` or their
    id is in ``unlocked`` (an access code's types). ``expired_holds`` (ticket type id → seats) are
    seats still counted in ``taken`` by reservations that expired but were not released yet: they
    are shown as free. The caller (the shop, which may read orders) supplies them.
    """
    holds = expired_holds or {}
    types = list(event.ticket_types.all())
    event_taken = sum(t.taken for t in types) - sum(holds.values())
    offers = []
    for ticket_type in types:
        if ticket_type.hidden and not include_hidden and ticket_type.pk not in unlocked:
            continue
        availability = ticket_availability(
            now=now,
            capacity=ticket_type.capacity,
            taken=ticket_type.taken - holds.get(ticket_type.pk, 0),
            sales_start=ticket_type.sales_start,
            sales_end=ticket_type.sales_end,
            event_cancelled=event.status == EventStatus.CANCELLED,
            event_ends_at=event.ends_at,
            event_capacity=event.capacity,
            event_taken=event_taken,
        )
        offers.append(TicketOffer(ticket_type=ticket_type, availability=availability))
    return offers


def event_page_for_organizer(*, organizer: Organizer, event_id: int, now: datetime) -> EventPage:
    """One of ``organizer``'s events with every ticket type (hidden ones too) at ``now``.

    Raises ``EventNotFound`` (404) for anyone else's event.
    """
    event = event_get_for_organizer(organizer=organizer, event_id=event_id)
    offers = event_ticket_offers(event=event, now=now, include_hidden=True)
    return EventPage(event=event, offers=offers)


def event_overview_for_organizer(*, organizer: Organizer, now: datetime) -> OrganizerEvents:
    """``event_list_for_organizer`` split into events not ended yet and ended ones."""
    events = list(event_list_for_organizer(organizer=organizer))
    upcoming = sorted((e for e in events if e.ends_at > now), key=lambda e: e.starts_at)
    past = [e for e in events if e.ends_at <= now]
    return OrganizerEvents(upcoming=upcoming, past=past)


def event_counts_by_status(*, organizer: Organizer) -> dict[str, int]:
    """Number of the organizer's events per status (call in the organizer's context)."""
    counts = {status.value: 0 for status in EventStatus}
    rows = (
        Event.objects.filter(organizer=organizer)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def event_list_for_organizer(*, organizer: Organizer) -> QuerySet[Event]:
    """All of one organizer's events with ticket totals (``tickets_taken``, ``tickets_capacity``,
    ``ticket_type_count``), latest start first."""
    return (
        Event.objects.filter(organizer=organizer)
        .annotate(
            tickets_taken=Sum("ticket_types__taken", default=0),
            tickets_capacity=Sum("ticket_types__capacity", default=0),
            ticket_type_count=Count("ticket_types"),
        )
        .order_by("-starts_at", "-id")
    )


def event_get_for_organizer(*, organizer: Organizer, event_id: int) -> Event:
    """One of ``organizer``'s events; ``EventNotFound`` (404) for anyone else's."""
    # Plain SQL: this lookup starts every API call on an event (a box-office sale among them),
    # and compiling the ORM query cost several times as much as running it.
    found = fastselect.select(Event, "organizer_id = %s AND id = %s", [organizer.pk, event_id])
    event = found[0] if found else None
    if event is None:
        raise EventNotFound()
    event.organizer = organizer  # known already: no join
    return event


def ticket_type_get_for_organizer(
    *, organizer: Organizer, event: Event, ticket_type_id: int
) -> TicketType:
    ticket_type = TicketType.objects.filter(
        organizer=organizer, event=event, pk=ticket_type_id
    ).first()
    if ticket_type is None:
        raise TicketTypeNotFound()
    return ticket_type


def event_currency(*, event: Event) -> str:
    """The event's currency: that of its ticket types, or the organizer's default before any."""
    currency = (
        TicketType.objects.filter(event=event).order_by("id").values_list("currency", flat=True)
    ).first()
    return currency or event.organizer.default_currency


def event_taken_total(*, event: Event) -> int:
    """Seats taken over all the event's ticket types (hidden ones included)."""
    total = TicketType.objects.filter(event=event).aggregate(total=Sum("taken", default=0))
    return int(total["total"])
