"""Reservations: an order in state ``reserved`` that holds seats for a limited time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from blackcanyon.core import audit, clock, fastinsert, tenancy
from blackcanyon.core.prefetch import attach_prefetched
from blackcanyon.events.models import Event
from blackcanyon.orders import errors, inventory
from blackcanyon.orders.codes import new_order_code
from blackcanyon.orders.models import Channel, Order, OrderLine, OrderStatus
from blackcanyon.orders.services.planning import Plan, plan_order

CODE_ATTEMPTS = 5


def reservation_ttl() -> timedelta:
    return timedelta(minutes=settings.BCT_RESERVATION_MINUTES)


def create_order_rows(
    *, plan: Plan, status: str, channel: str, expires_at: datetime | None, **fields: Any
) -> Order:
    """Insert the order and its lines (no seats taken). Retries the rare order-code collision."""
    for attempt in range(CODE_ATTEMPTS):
        try:
            order = Order(
                organizer_id=plan.event.organizer_id,
                event=plan.event,
                code=new_order_code(),
                status=status,
                channel=channel,
                expires_at=expires_at,
                currency=plan.currency,
                subtotal=plan.quote.subtotal,
                discount_total=plan.quote.discount_total,
                total=plan.quote.total,
                discount_code=plan.code,
                **fields,
            )
            with transaction.atomic():
                fastinsert.insert([order])
            break
        except IntegrityError:
            # A duplicate Idempotency-Key is the caller's business; a code collision is retried.
            if attempt == CODE_ATTEMPTS - 1 or fields.get("idempotency_key"):
                raise
    lines = [
        OrderLine(
            organizer_id=plan.event.organizer_id,
            order=order,
            ticket_type_id=line.ticket_type_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            unit_discount=line.unit_discount,
        )
        for line in plan.quote.lines
    ]
    fastinsert.insert(lines)
    attach_prefetched(order, "lines", lines)
    return order


def fail_fast_if_short(*, plan: Plan, now: datetime) -> None:
    """Refuse before writing anything when the ticket types just read are already too short.

    Only a shortcut for the common sold-out case (no rows written and rolled back): the guard is
    still the conditional UPDATE in ``take_or_explain``, which decides every race.
    """
    for type_id, quantity in plan.quantities.items():
        ticket_type = plan.types[type_id]
        if ticket_type.taken + quantity > ticket_type.capacity:
            raise shortage_error(
                plan=plan, shortage=inventory.Shortage("ticket_type", type_id), now=now
            )


def take_or_explain(*, plan: Plan, now: datetime) -> None:
    """Take the plan's seats as the last step of the caller's transaction, or raise the buyer's
    error (sold out, fewer left, code used up) with what is still available."""
    try:
        inventory.take(
            event_id=plan.event.pk,
            quantities=plan.quantities,
            discount_code_id=plan.code.pk if plan.code else None,
        )
    except inventory.TakeFailed as failed:
        raise shortage_error(plan=plan, shortage=failed.shortage, now=now) from None


def shortage_error(*, plan: Plan, shortage: inventory.Shortage, now: datetime) -> Exception:
    from blackcanyon.orders import selectors

    if shortage.scope == "code":
        return errors.CodeUsedUp()
    left = selectors.seats_left(event_id=plan.event.pk, now=now)
    if shortage.scope == "event":
        remaining = left.event_remaining or 0
        if remaining <= 0:
            return errors.SoldOut("This event is sold out.")
        return errors.NotEnoughLeft(
            f"Only {remaining} tickets are left for this event.", available=remaining
        )
    assert shortage.ticket_type_id is not None  # noqa: S101 - set for ticket_type shortages
    ticket_type = plan.types[shortage.ticket_type_id]
    remaining = left.by_type.get(ticket_type.pk, 0)
    if remaining <= 0:
        others = selectors.still_available_text(left=left, now=now, exclude=ticket_type.pk)
        return errors.SoldOut(f"{ticket_type.name} is sold out.{others}")
    return errors.NotEnoughLeft(
        f"Only {remaining} {ticket_type.name} tickets are left.", available=remaining
    )


def reservation_create(
    *,
    event: Event,
    quantities: Mapping[int, int],
    code: str = "",
    actor: Any = None,
    now: datetime | None = None,
) -> Order:
    """Hold seats for ``quantities`` (ticket type id → count) for the reservation time.

    Atomic: either the order, its lines and every seat (and code redemption) are taken, or nothing
    is. Raises the buyer's error: EventCancelled, SalesNotOpen/SalesClosed, OrderLimit, EmptyOrder,
    UnknownTicketType, InvalidCode/CodeNotValidNow/CodeUsedUp, SoldOut, NotEnoughLeft. When seats
    are short, expired holds of the event are released first and the take is tried once more.
    """
    now = now or clock.now()
    with tenancy.for_organizer(event.organizer_id):
        try:
            return _reserve(
                plan=plan_order(event=event, quantities=quantities, code_text=code, now=now),
                actor=actor,
                now=now,
            )
        except (errors.SoldOut, errors.NotEnoughLeft, errors.CodeUsedUp):
            # CodeUsedUp may come from planning (the code's last redemption held by an expired
            # reservation): plan again after the release too.
            from blackcanyon.orders.services.lifecycle import reservations_release_expired

            if not reservations_release_expired(now=now, event_id=event.pk):
                raise
        plan = plan_order(event=event, quantities=quantities, code_text=code, now=now)
        return _reserve(plan=plan, actor=actor, now=now)


def _reserve(*, plan: Plan, actor: Any, now: datetime) -> Order:
    fail_fast_if_short(plan=plan, now=now)
    with transaction.atomic():
        order = create_order_rows(
            plan=plan,
            status=OrderStatus.RESERVED,
            channel=Channel.WEB,
            expires_at=now + reservation_ttl(),
        )
        audit.record(
            actor=actor,
            action="orders.order.reserved",
            organizer=plan.event.organizer,
            obj=order,
            data={"quantities": {str(k): v for k, v in plan.quantities.items()}},
        )
        take_or_explain(plan=plan, now=now)  # last: the counter row locks live until COMMIT
    return order


def order_rereserve(*, order: Order, actor: Any = None, now: datetime | None = None) -> Order:
    """A new reservation with the same tickets (and code) as an expired one, if still available."""
    if order.status not in {OrderStatus.EXPIRED, OrderStatus.RESERVED, OrderStatus.PENDING}:
        raise errors.OrderStateConflict()
    from blackcanyon.orders.services.lifecycle import order_expire

    now = now or clock.now()
    with tenancy.for_organizer(order.organizer_id):
        # Give the old hold back first (a no-op unless it is past its time) so the buyer does
        # not compete with their own expired reservation.
        order_expire(order_id=order.pk, now=now)
        quantities = line_quantities(order)
        code = order.discount_code.code if order.discount_code is not None else ""
        event = Event.objects.get(pk=order.event_id)
    return reservation_create(event=event, quantities=quantities, code=code, actor=actor, now=now)


def line_quantities(order: Order) -> dict[int, int]:
    return {line.ticket_type_id: line.quantity for line in order.lines.all()}
