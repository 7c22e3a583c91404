"""Box-office sales through the API: paid at once, idempotent by Idempotency-Key."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from blackcanyon.core import audit, clock, fastinsert, tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.events.models import Event
from blackcanyon.orders import errors
from blackcanyon.orders.models import Channel, Order, OrderStatus, PaymentAttempt
from blackcanyon.orders.services.planning import Plan, plan_order
from blackcanyon.orders.services.reservations import (
    create_order_rows,
    fail_fast_if_short,
    take_or_explain,
)
from blackcanyon.orders.services.tickets import tickets_issue
from blackcanyon.orders.tasks import enqueue_order_email


def _buyer(name: str, email: str) -> tuple[str, str]:
    """The stored form of the buyer's name and email."""
    return " ".join(name.split())[:150], email.strip().lower()


_ORDER_BY_KEY_SQL = (
    f"SELECT * FROM {Order._meta.db_table}"  # noqa: S608 - table name only
    " WHERE organizer_id = %s AND idempotency_key = %s"
)


def _existing(
    *, event: Event, key: str, quantities: Mapping[int, int], buyer: tuple[str, str]
) -> Order | None:
    # Asked on every refusal that carries a key (a sold-out rush): plain SQL for the usual "no".
    found = Order.objects.raw(_ORDER_BY_KEY_SQL, [event.organizer_id, key])
    order = next(iter(found), None)
    if order is None:
        return None
    same = (
        order.event_id == event.pk
        and (order.buyer_name, order.buyer_email) == buyer
        and {line.ticket_type_id: line.quantity for line in order.lines.all()}
        == {int(k): int(v) for k, v in quantities.items() if int(v) > 0}
    )
    if not same:
        raise errors.IdempotencyConflict()
    return order


def order_create_box_office(
    *,
    actor: Any,
    event: Event,
    quantities: Mapping[int, int],
    buyer_name: str,
    buyer_email: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Order, bool]:
    """Sell at the box office: a paid order with tickets, or the buyer's error (sold_out ...).

    Returns ``(order, created)``; with an ``idempotency_key`` already used for the same request
    (event, quantities, buyer) it returns the first order and ``created=False``
    (IdempotencyConflict for another request).
    Hidden ticket types and closed sales windows are allowed at the box office.
    """
    now = now or clock.now()
    buyer = _buyer(buyer_name, buyer_email)
    with tenancy.for_organizer(event.organizer_id):
        # No lookup before selling: a first request (the common case) goes straight to the
        # sale, and the unique key turns a replay into an IntegrityError, answered below.
        try:
            plan = plan_order(
                event=event, quantities=quantities, code_text="", now=now, box_office=True
            )
            fail_fast_if_short(plan=plan, now=now)
            order = _sell(actor=actor, plan=plan, buyer=buyer, key=idempotency_key, now=now)
        except (IntegrityError, DomainError):
            # A replay (perhaps of a sale that took the last seats, or racing in parallel):
            # answer with the first order; anything else stands.
            if idempotency_key and (
                found := _existing(
                    event=event, key=idempotency_key, quantities=quantities, buyer=buyer
                )
            ):
                return found, False
            raise
    return order, True


def _sell(
    *, actor: Any, plan: Plan, buyer: tuple[str, str], key: str | None, now: datetime
) -> Order:
    """One transaction: the paid order, its payment, tickets, audit entry and email task, then
    the seats (last: the counter locks are held until COMMIT)."""
    with transaction.atomic():
        order = create_order_rows(
            plan=plan,
            status=OrderStatus.PAID,
            channel=Channel.BOX_OFFICE,
            expires_at=None,
            buyer_name=buyer[0],
            buyer_email=buyer[1],
            paid_at=now,
            payment_provider="box_office",
            idempotency_key=key or None,
        )
        fastinsert.insert(
            [
                PaymentAttempt(
                    organizer_id=order.organizer_id,
                    order=order,
                    provider="box_office",
                    result=PaymentAttempt.Result.APPROVED,
                    amount=order.total,
                    currency=order.currency,
                )
            ]
        )
        tickets_issue(order=order, lines=list(order.lines.all()))
        audit.record(
            actor=actor,
            action="orders.order.sold_at_box_office",
            organizer=plan.event.organizer,
            obj=order,
            data={"total": order.total, "currency": order.currency},
        )
        enqueue_order_email(order=order, kind="confirmation")
        take_or_explain(plan=plan, now=now)  # last: counter locks until COMMIT
    return order
