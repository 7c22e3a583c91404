"""Checkout: buyer details, then payment (or none for free orders) → paid order with tickets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from blackcanyon.core import audit, clock, tenancy
from blackcanyon.core.errors import ValidationFailed
from blackcanyon.events.models import Event
from blackcanyon.orders import errors, inventory
from blackcanyon.orders.models import (
    HOLDING_STATUSES,
    Order,
    OrderLine,
    OrderStatus,
    PaymentAttempt,
)
from blackcanyon.orders.services.reservations import line_quantities
from blackcanyon.orders.services.tickets import tickets_issue
from blackcanyon.orders.tasks import enqueue_order_email

NAME_MAX = 150


def _clean_details(
    *,
    buyer_name: str,
    buyer_email: str,
    accept_terms: bool,
    attendee_names: Mapping[int, Sequence[str]],
    lines: Sequence[OrderLine],
    ask_names: bool,
) -> tuple[str, str, dict[int, list[str]]]:
    fields: dict[str, list[str]] = {}
    name = " ".join(buyer_name.split())
    email = buyer_email.strip().lower()
    if not name:
        fields["buyer_name"] = ["Enter your name."]
    elif len(name) > NAME_MAX:
        fields["buyer_name"] = [f"Use at most {NAME_MAX} characters."]
    try:
        validate_email(email)
    except ValidationError:
        fields["buyer_email"] = ["Enter a valid email address: your tickets are sent there."]
    names: dict[int, list[str]] = {}
    for line in lines:
        given = [" ".join(n.split())[:NAME_MAX] for n in attendee_names.get(line.pk, [])]
        if ask_names and (len(given) < line.quantity or not all(given[: line.quantity])):
            fields[f"attendee_{line.pk}"] = ["Enter the name of every attendee."]
        names[line.pk] = given[: line.quantity]
    if not accept_terms:
        fields["accept_terms"] = [errors.TermsNotAccepted.default_message]
    if fields:
        raise ValidationFailed(fields=fields)
    return name, email, names


def order_submit_details(
    *,
    order: Order,
    buyer_name: str,
    buyer_email: str,
    accept_terms: bool,
    attendee_names: Mapping[int, Sequence[str]] | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> Order:
    """Record who buys (and who attends) and their acceptance of the current terms and privacy
    policy: reserved → pending. Allowed again while pending (a retry after a declined payment).

    Raises ValidationFailed (with per-field messages), ReservationExpired, OrderStateConflict.
    """
    now = now or clock.now()
    with tenancy.for_organizer(order.organizer_id):
        if order.status not in HOLDING_STATUSES:
            raise errors.OrderStateConflict()
        if order.expires_at is None or order.expires_at <= now:
            raise errors.ReservationExpired()
        lines = list(OrderLine.objects.filter(order=order).order_by("id"))
        ask = Event.objects.filter(pk=order.event_id, ask_attendee_names=True).exists()
        name, email, names = _clean_details(
            buyer_name=buyer_name,
            buyer_email=buyer_email,
            accept_terms=accept_terms,
            attendee_names=attendee_names or {},
            lines=lines,
            ask_names=ask,
        )
        with transaction.atomic():
            updated = Order.objects.filter(
                pk=order.pk, status__in=HOLDING_STATUSES, released_at__isnull=True
            ).update(
                status=OrderStatus.PENDING,
                buyer_name=name,
                buyer_email=email,
                terms_version=settings.BCT_TERMS_VERSION,
                privacy_version=settings.BCT_PRIVACY_VERSION,
                terms_accepted_at=now,
                updated_at=now,
            )
            if not updated:
                raise errors.ReservationExpired()
            for line in lines:
                OrderLine.objects.filter(pk=line.pk).update(attendee_names=names[line.pk])
            order.refresh_from_db()
            audit.record(
                actor=actor,
                action="orders.order.details_submitted",
                organizer=order.event.organizer,
                obj=order,
                data={"terms_version": order.terms_version},
            )
    return order


def payment_record_declined(
    *, order: Order, provider: str, reference: str = "", message: str = ""
) -> PaymentAttempt:
    """A declined payment: recorded, the reservation kept until it expires so the buyer retries."""
    with tenancy.for_organizer(order.organizer_id), transaction.atomic():
        attempt = PaymentAttempt.objects.create(
            organizer_id=order.organizer_id,
            order=order,
            provider=provider,
            result=PaymentAttempt.Result.DECLINED,
            amount=order.total,
            currency=order.currency,
            reference=reference,
            message=message[:255],
        )
        audit.record(
            actor=None,
            action="orders.payment.declined",
            organizer=order.event.organizer,
            obj=order,
            data={"provider": provider, "reference": reference},
        )
    return attempt


def mark_paid(
    *, order: Order, provider: str, reference: str, actor: Any, now: datetime, action: str
) -> Order:
    """pending → paid inside the caller's transaction (order row locked by the caller).

    An order whose hold was released (it expired) takes its seats again first; if they are gone
    it raises ReservationExpired and nothing changes.
    """
    needs_seats = order.released_at is not None
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.PAID,
        paid_at=now,
        expires_at=None,
        released_at=None,
        payment_provider=provider,
        payment_reference=reference,
        updated_at=now,
    )
    order.refresh_from_db()
    PaymentAttempt.objects.create(
        organizer_id=order.organizer_id,
        order=order,
        provider=provider,
        result=PaymentAttempt.Result.APPROVED,
        amount=order.total,
        currency=order.currency,
        reference=reference,
    )
    tickets_issue(order=order)
    audit.record(
        actor=actor,
        action=action,
        organizer=order.event.organizer,
        obj=order,
        data={"provider": provider, "total": order.total, "currency": order.currency},
    )
    enqueue_order_email(order=order, kind="confirmation")
    if needs_seats:  # last: the counter row locks live until COMMIT
        try:
            inventory.take(
                event_id=order.event_id,
                quantities=line_quantities(order),
                discount_code_id=order.discount_code_id,
            )
        except inventory.TakeFailed:
            raise errors.ReservationExpired(
                "Your reservation expired and the tickets are no longer available."
            ) from None
    return order


def order_confirm_payment(
    *,
    order: Order,
    provider: str,
    reference: str,
    amount: int,
    actor: Any = None,
    now: datetime | None = None,
) -> Order:
    """The provider confirmed the payment: the order is paid, tickets issued, the confirmation
    email queued. Idempotent per (order, reference): a repeated confirmation returns the order.

    A payment for an order that expired after checkout takes its seats again if they are still
    free. Raises OrderStateConflict (not pending, nor expired after checkout), ReservationExpired
    (hold released and seats gone; nothing changes), ValidationFailed (amount differs from the
    order total).
    """
    now = now or clock.now()
    with tenancy.for_organizer(order.organizer_id), transaction.atomic():
        # The order row only (``of``): a plain FOR UPDATE with select_related would lock the
        # event row too and serialise every payment of the event until COMMIT.
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("event__organizer")
            .get(pk=order.pk)
        )
        if locked.status == OrderStatus.PAID and locked.payment_reference == reference:
            return locked
        # A payment may land after the hold expired (a slow provider, a late webhook): an order
        # that reached checkout is paid if its seats can be taken again (mark_paid).
        late = locked.status == OrderStatus.EXPIRED and locked.terms_accepted_at is not None
        if locked.status != OrderStatus.PENDING and not late:
            raise errors.OrderStateConflict()
        if amount != locked.total:
            raise ValidationFailed("The amount paid does not match the order total.")
        return mark_paid(
            order=locked,
            provider=provider,
            reference=reference,
            actor=actor,
            now=now,
            action="orders.order.paid",
        )


def order_pay_free(*, order: Order, actor: Any = None, now: datetime | None = None) -> Order:
    """A pending order with a total of 0 skips payment."""
    if order.total != 0:
        raise errors.OrderStateConflict("This order has something to pay.")
    return order_confirm_payment(
        order=order, provider="free", reference=f"free-{order.code}", amount=0, actor=actor, now=now
    )
