"""Order state changes after checkout: expiry, cancellation, offline payment, resending."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.orders import errors, inventory
from blackcanyon.orders.models import HOLDING_STATUSES, Order, OrderStatus, Ticket, TicketStatus
from blackcanyon.orders.services.checkout import mark_paid
from blackcanyon.orders.services.reservations import line_quantities
from blackcanyon.orders.services.tickets import secrets_revoke, tickets_cancel
from blackcanyon.orders.tasks import enqueue_order_email
from blackcanyon.tickets.models import RevocationReason

RELEASE_BATCH = 500


def _release(order: Order) -> None:
    inventory.release(
        event_id=order.event_id,
        quantities=line_quantities(order),
        discount_code_id=order.discount_code_id,
    )


def _held_quantities(order: Order) -> dict[int, int]:
    """Seats the order still holds per ticket type: its lines less the tickets a partial refund
    already cancelled (and released). Only a refund cancels single tickets of a live order."""
    quantities = line_quantities(order)
    if order.status != OrderStatus.PAID:
        return quantities  # only a paid order has tickets a refund may have cancelled
    gone = Counter(
        Ticket.objects.filter(order=order, status=TicketStatus.CANCELLED).values_list(
            "ticket_type_id", flat=True
        )
    )
    return {t: q - gone[t] for t, q in quantities.items() if q - gone[t] > 0}


def order_expire(*, order_id: int, now: datetime | None = None) -> bool:
    """reserved/pending → expired and its seats released, once; False if it was not due."""
    now = now or clock.now()
    with transaction.atomic():
        # The conditional UPDATE on the order row makes the release happen exactly once.
        changed = Order.objects.filter(
            pk=order_id,
            status__in=HOLDING_STATUSES,
            expires_at__lt=now,
            released_at__isnull=True,
        ).update(status=OrderStatus.EXPIRED, released_at=now, updated_at=now)
        if not changed:
            return False
        order = Order.objects.select_related("event__organizer").get(pk=order_id)
        audit.record(
            actor=None, action="orders.order.expired", organizer=order.event.organizer, obj=order
        )
        _release(order)
    return True


def reservations_release_expired(
    *, now: datetime | None = None, event_id: int | None = None
) -> int:
    """Expire every reservation past its time (of one event, or all the tenant context can see);
    returns how many. The scheduled job runs it in the system context every minute."""
    now = now or clock.now()
    due = Order.objects.filter(
        status__in=HOLDING_STATUSES, expires_at__lt=now, released_at__isnull=True
    )
    if event_id is not None:
        due = due.filter(event_id=event_id)
    released = 0
    for order_id, organizer_id in due.values_list("pk", "organizer_id")[:RELEASE_BATCH]:
        with tenancy.for_organizer(organizer_id):
            released += order_expire(order_id=order_id, now=now)
    return released


def order_cancel(
    *, actor: Any, order: Order, reason: str = "", now: datetime | None = None
) -> Order:
    """Cancel a reserved, pending or paid order: tickets cancelled, seats released, buyer emailed
    (if it was paid). Raises OrderStateConflict for other states."""
    now = now or clock.now()
    with tenancy.for_organizer(order.organizer_id), transaction.atomic():
        locked = (
            Order.objects.select_for_update().select_related("event__organizer").get(pk=order.pk)
        )
        if not locked.cancellable:
            raise errors.OrderStateConflict(
                f"A {locked.get_status_display().lower()} order cannot be cancelled."
            )
        was_paid = locked.status == OrderStatus.PAID
        holding = locked.released_at is None
        held = _held_quantities(locked) if holding else {}
        Order.objects.filter(pk=locked.pk).update(
            status=OrderStatus.CANCELLED,
            cancelled_at=now,
            released_at=locked.released_at or now,
            updated_at=now,
        )
        cancelled = tickets_cancel(order=locked, now=now)  # secrets revoked too
        audit.record(
            actor=actor,
            action="orders.order.cancelled",
            organizer=locked.event.organizer,
            obj=locked,
            data={"reason": reason[:500], "tickets_cancelled": cancelled, "was_paid": was_paid},
        )
        locked.refresh_from_db()
        if was_paid:
            enqueue_order_email(order=locked, kind="cancelled")
        if holding:  # last: counter locks until COMMIT
            inventory.release(
                event_id=locked.event_id, quantities=held, discount_code_id=locked.discount_code_id
            )
    return locked


def order_refund_apply(
    *,
    actor: Any,
    order: Order,
    amount: int,
    ticket_ids: Sequence[int] = (),
    full: bool = False,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> list[int]:
    """The domain side of a refund of ``amount`` on a paid order; returns the ids of the tickets
    cancelled. Runs in the caller's transaction, in the organizer's context, after the caller
    locked the order row (``select_for_update``) and checked the amount.

    The chosen tickets (every remaining one when ``full``) are cancelled and their secrets
    revoked (reason refunded); their seats are released once (a ticket is cancelled once); a
    full refund — the caller decides: the money returned reached what was paid — makes the
    order ``refunded`` and gives back the discount code's redemption, once (the conditional
    UPDATE of ``released_at``, as for expiry).
    Audit ``orders.order.refunded`` or ``orders.order.partially_refunded`` (with ``data``).
    Raises OrderStateConflict when the order is not paid.
    """
    now = now or clock.now()
    if order.status != OrderStatus.PAID:
        raise errors.OrderStateConflict(
            f"A {order.get_status_display().lower()} order cannot be refunded."
        )
    valid = Ticket.objects.select_for_update().filter(order=order, status=TicketStatus.VALID)
    if not full:
        valid = valid.filter(pk__in=list(ticket_ids))
    tickets = list(valid.only("pk", "organizer_id", "event_id", "secret", "ticket_type_id"))
    Ticket.objects.filter(pk__in=[t.pk for t in tickets], status=TicketStatus.VALID).update(
        status=TicketStatus.CANCELLED, updated_at=now
    )
    secrets_revoke(tickets=tickets, reason=RevocationReason.REFUNDED, now=now)
    first_release = False
    if full:
        first_release = bool(
            Order.objects.filter(pk=order.pk, released_at__isnull=True).update(released_at=now)
        )
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.REFUNDED, updated_at=now)
    audit.record(
        actor=actor,
        action="orders.order.refunded" if full else "orders.order.partially_refunded",
        organizer=order.event.organizer,
        obj=order,
        data={**(data or {}), "amount": amount, "tickets_cancelled": len(tickets)},
    )
    released = Counter(t.ticket_type_id for t in tickets)
    code = order.discount_code_id if first_release else None
    if released or code is not None:  # last: counter locks until COMMIT
        inventory.release(event_id=order.event_id, quantities=released, discount_code_id=code)
    return [t.pk for t in tickets]


def order_mark_paid_offline(*, actor: Any, order: Order, now: datetime | None = None) -> Order:
    """An organizer received the money another way (cash, bank transfer): pending → paid."""
    now = now or clock.now()
    with tenancy.for_organizer(order.organizer_id), transaction.atomic():
        locked = (
            Order.objects.select_for_update().select_related("event__organizer").get(pk=order.pk)
        )
        if locked.status not in {OrderStatus.PENDING, OrderStatus.EXPIRED}:
            raise errors.OrderStateConflict("Only an order waiting for payment can be marked paid.")
        if locked.status == OrderStatus.EXPIRED:
            Order.objects.filter(pk=locked.pk).update(status=OrderStatus.PENDING)
            locked.status = OrderStatus.PENDING
        return mark_paid(
            order=locked,
            provider="offline",
            reference=f"offline-{locked.code}",
            actor=actor,
            now=now,
            action="orders.order.marked_paid",
        )


def order_resend_confirmation(*, actor: Any, order: Order) -> None:
    """Queue the confirmation email (with the order link) again."""
    if order.status != OrderStatus.PAID:
        raise errors.OrderStateConflict("Only paid orders have a confirmation to resend.")
    with tenancy.for_organizer(order.organizer_id), transaction.atomic():
        audit.record(
            actor=actor,
            action="orders.order.confirmation_resent",
            organizer=order.event.organizer,
            obj=order,
        )
        enqueue_order_email(order=order, kind="confirmation")
