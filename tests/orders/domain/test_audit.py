"""Every order transition leaves its audit entry (action code) in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from blackcanyon.core import tenancy
from blackcanyon.core.errors import ValidationFailed
from blackcanyon.core.models import AuditLog
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import errors, services
from tests.factories import UserFactory
from tests.orders.domain.helpers import actions, fresh, pay, submit

pytestmark = pytest.mark.django_db


def test_web_purchase_with_a_decline_is_audited_step_by_step(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    order = services.reservation_create(event=event, quantities={ticket_type.pk: 1}, now=now)
    submit(order, now=now)
    services.payment_record_declined(order=order, provider="test", reference="t-0")
    pay(order, reference="t-1", now=now)
    pay(order, reference="t-1", now=now)  # a repeated confirmation adds nothing
    assert actions(order) == [
        "orders.order.reserved",
        "orders.order.details_submitted",
        "orders.payment.declined",
        "orders.order.paid",
    ]


def test_expiry_is_audited(event: Event, ticket_type: TicketType, now: datetime) -> None:
    order = services.reservation_create(event=event, quantities={ticket_type.pk: 1}, now=now)
    with tenancy.for_organizer(event.organizer_id):
        services.reservations_release_expired(now=now + timedelta(hours=1))
    assert actions(order) == ["orders.order.reserved", "orders.order.expired"]


def test_cancel_mark_paid_and_resend_are_audited_with_the_organizer_user(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    staff = UserFactory()
    order = submit(
        services.reservation_create(event=event, quantities={ticket_type.pk: 1}, now=now), now=now
    )
    services.order_mark_paid_offline(actor=staff, order=order, now=now)
    services.order_resend_confirmation(actor=staff, order=fresh(order))
    services.order_cancel(actor=staff, order=order, reason="Refund requested", now=now)
    assert actions(order) == [
        "orders.order.reserved",
        "orders.order.details_submitted",
        "orders.order.marked_paid",
        "orders.order.confirmation_resent",
        "orders.order.cancelled",
    ]
    with tenancy.for_organizer(event.organizer_id):
        cancelled = AuditLog.objects.get(action="orders.order.cancelled", object_id=str(order.pk))
    assert cancelled.actor_id == staff.pk
    assert cancelled.organizer_id == event.organizer_id
    assert cancelled.data == {
        "reason": "Refund requested",
        "tickets_cancelled": 1,
        "was_paid": True,
    }


def test_box_office_sale_is_audited(event: Event, ticket_type: TicketType, now: datetime) -> None:
    order, _ = services.order_create_box_office(
        actor=None, event=event, quantities={ticket_type.pk: 2}, buyer_name="Door", now=now
    )
    assert actions(order) == ["orders.order.sold_at_box_office"]


def test_a_refused_change_leaves_no_audit_entry(
    event: Event, ticket_type: TicketType, now: datetime
) -> None:
    order = services.reservation_create(event=event, quantities={ticket_type.pk: 1}, now=now)
    submit(order, now=now)
    with pytest.raises(errors.OrderStateConflict):
        services.order_resend_confirmation(actor=None, order=order)
    with pytest.raises(ValidationFailed):  # wrong amount
        services.order_confirm_payment(order=order, provider="test", reference="x", amount=1)
    assert actions(order) == ["orders.order.reserved", "orders.order.details_submitted"]
