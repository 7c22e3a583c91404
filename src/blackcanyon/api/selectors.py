"""Reads for the API: tokens by their secret, and the organizer's events, ticket types and orders
as the API shows them. Every read filters by organizer (first wall) and runs in the organizer's
tenant context (second wall, RLS), which the API's authentication activates."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum

from blackcanyon.api.models import ApiToken
from blackcanyon.core import tenancy
from blackcanyon.events.availability import SaleState
from blackcanyon.events.models import Event, TicketType
from blackcanyon.events.selectors import event_get_for_organizer, event_ticket_offers
from blackcanyon.orders.codes import normalize_code
from blackcanyon.orders.errors import OrderNotFound
from blackcanyon.orders.models import HOLDING_STATUSES, Order, OrderLine, Ticket
from blackcanyon.orders.selectors import expired_holds
from blackcanyon.organizers.models import Organizer

TOKEN_MAX_LENGTH = 200


def token_hash(plaintext: str) -> str:
    """The stored form of an API token (only the hash is ever saved)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


# --- Tokens ------------------------------------------------------------------------------------


# Tokens found in the last ``BCT_API_TOKEN_CACHE_SECONDS``, per process: most API calls come in
# runs from one integration, and the lookup (a query in the token's own RLS context) was a fifth
# of a box-office sale's cost. Unknown secrets are never cached.
_token_cache: OrderedDict[str, tuple[float, ApiToken]] = OrderedDict()
_token_cache_lock = threading.Lock()
TOKEN_CACHE_SIZE = 1024


def api_token_for_secret(*, plaintext: str) -> ApiToken | None:
    """The token row (revoked or not) whose secret is ``plaintext``, with its organizer.

    Runs before any organizer is known: under RLS only the row with this hash is visible. A
    token read in the last ``BCT_API_TOKEN_CACHE_SECONDS`` comes from this process's memory, so
    a revocation made by another process takes effect within that time (at once in the process
    that revoked it, see ``forget_api_token``).
    """
    if not plaintext.startswith("bct_") or len(plaintext) > TOKEN_MAX_LENGTH:
        return None
    digest = token_hash(plaintext)
    ttl = float(getattr(settings, "BCT_API_TOKEN_CACHE_SECONDS", 0))
    now = time.monotonic()
    if ttl > 0:
        with _token_cache_lock:
            cached = _token_cache.get(digest)
            if cached is not None and cached[0] > now:
                _token_cache.move_to_end(digest)
                return cached[1]
    with tenancy.scoped(api_token_hash=digest):
        row = (
            ApiToken.objects.filter(token_hash=digest)
            .select_related("organizer", "created_by")
            .first()
        )
    if row is not None and ttl > 0:
        with _token_cache_lock:
            _token_cache[digest] = (now + ttl, row)
            _token_cache.move_to_end(digest)
            while len(_token_cache) > TOKEN_CACHE_SIZE:
                _token_cache.popitem(last=False)
    return row


def forget_api_token(*, digest: str) -> None:
    """Drop a token from this process's cache (after it was revoked here)."""
    with _token_cache_lock:
        _token_cache.pop(digest, None)


def api_token_list(*, organizer: Organizer) -> list[ApiToken]:
    """The organizer's tokens, active ones first, newest first."""
    tokens = ApiToken.objects.filter(organizer=organizer).select_related("organizer", "created_by")
    return sorted(tokens, key=lambda t: t.revoked_at is not None)


def api_token_get(*, organizer: Organizer, token_id: int) -> ApiToken | None:
    return (
        ApiToken.objects.filter(organizer=organizer, pk=token_id)
        .select_related("organizer")
        .first()
    )


def api_token_by_prefix(*, organizer: Organizer, prefix: str) -> ApiToken | None:
    prefix = prefix.removeprefix("bct_").split("_", 1)[0].lower()
    return (
        ApiToken.objects.filter(organizer=organizer, prefix=prefix)
        .select_related("organizer")
        .first()
    )


# --- Events and ticket types -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page[T]:
    items: list[T]
    count: int
    limit: int
    offset: int


def _expired_holds_by_event(
    *, organizer: Organizer, event_ids: list[int], now: datetime
) -> dict[int, int]:
    rows = (
        OrderLine.objects.filter(
            organizer=organizer,
            order__event_id__in=event_ids,
            order__status__in=HOLDING_STATUSES,
            order__expires_at__lt=now,
            order__released_at__isnull=True,
        )
        .values("order__event_id")
        .annotate(seats=Sum("quantity"))
        .order_by()
    )
    return {row["order__event_id"]: row["seats"] for row in rows}


def event_page_for_api(
    *, organizer: Organizer, now: datetime, limit: int, offset: int
) -> Page[Event]:
    """The organizer's events, latest start first; ``taken`` on each leaves out expired holds
    (reservations that ran out but were not released yet). Three queries, however many events."""
    events_qs = Event.objects.filter(organizer=organizer)
    count = events_qs.count()
    events = list(
        events_qs.defer("description", "description_html").order_by("-starts_at", "-id")[
            offset : offset + limit
        ]
    )
    holds = (
        _expired_holds_by_event(organizer=organizer, event_ids=[e.pk for e in events], now=now)
        if events
        else {}
    )
    for event in events:
        event.taken -= holds.get(event.pk, 0)
    return Page(items=events, count=count, limit=limit, offset=offset)


@dataclass(frozen=True, slots=True)
class TicketTypeRow:
    ticket_type: TicketType
    taken: int  # without expired holds
    available: int  # what could still be sold, bounded by the event-wide capacity
    sale_state: SaleState


def ticket_types_for_api(
    *, organizer: Organizer, event_id: int, now: datetime
) -> list[TicketTypeRow]:
    """Every ticket type of one of ``organizer``'s events (hidden ones too) with its seats.

    ``available`` is capacity - taken + expired holds, bounded by what is left of the event-wide
    capacity; ``sale_state`` is whether a buyer could buy it now. Raises ``EventNotFound`` (404)
    for another organizer's event.
    """
    event = event_get_for_organizer(organizer=organizer, event_id=event_id)
    holds = expired_holds(event_id=event.pk, now=now)
    offers = event_ticket_offers(event=event, now=now, include_hidden=True, expired_holds=holds)
    types = [offer.ticket_type for offer in offers]
    event_left = (
        None
        if event.capacity is None
        else event.capacity - sum(t.taken for t in types) + sum(holds.values())
    )
    rows = []
    for offer in offers:
        ticket_type = offer.ticket_type
        taken = ticket_type.taken - holds.get(ticket_type.pk, 0)
        available = ticket_type.capacity - taken
        if event_left is not None:
            available = min(available, event_left)
        rows.append(
            TicketTypeRow(
                ticket_type=ticket_type,
                taken=taken,
                available=max(available, 0),
                sale_state=offer.availability.state,
            )
        )
    return rows


# --- Orders ------------------------------------------------------------------------------------


def _orders(*, organizer: Organizer) -> QuerySet[Order]:
    return Order.objects.filter(organizer=organizer).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch("tickets", queryset=Ticket.objects.order_by("id")),
    )


def order_get_for_api(*, organizer: Organizer, code: str) -> Order:
    """One of ``organizer``'s orders by its code (any case, spaces or dashes) with its lines and
    tickets; ``OrderNotFound`` (404) for anyone else's."""
    order = _orders(organizer=organizer).filter(code=normalize_code(code)).first()
    if order is None:
        raise OrderNotFound()
    return order


def order_page_for_api(
    *,
    organizer: Organizer,
    event_id: int,
    limit: int,
    offset: int,
    status: str | None = None,
) -> Page[Order]:
    """Orders of one of ``organizer``'s events, newest first, with lines and tickets; five
    queries however many orders. Raises ``EventNotFound`` (404) for anyone else's event."""
    event = event_get_for_organizer(organizer=organizer, event_id=event_id)
    orders = _orders(organizer=organizer).filter(event=event)
    if status:
        orders = orders.filter(status=status)
    count = orders.count()
    items = list(orders.order_by("-created_at", "-id")[offset : offset + limit])
    return Page(items=items, count=count, limit=limit, offset=offset)
