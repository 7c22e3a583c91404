"""Order state changes after checkout: expiry, cancellation, offline payment, resending."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.orders import errors, inventory
from blackcanyon.orders.models import HOLDING_STATUSES, Order, OrderStatus
from blackcanyon.orders.services.checkout import mark_paid
from blackcanyon.orders.services.reservations import line_quantities
from blackcanyon.orders.services.tickets import tickets_cancel
from blackcanyon.orders.tasks import enqueue_order_email

RELEASE_BATCH = 500


def _release(order: Order) -> None:
    inventory.release(
        event_id=order.event_id,
        quantities=line_quantities(order),
        discount_code_id=order.discount_code_id,
    )


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
        if holding:
            _release(locked)  # last: counter locks until COMMIT
    return locked


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
