"""``core.fastinsert.insert`` stores exactly what ``bulk_create`` would: defaults, JSON, ids."""

from __future__ import annotations

import pytest
from django.db import transaction

from blackcanyon.core import fastinsert, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.orders.models import Order, OrderLine
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _order(event, code: str) -> Order:
    return Order(
        organizer_id=event.organizer_id,
        event=event,
        code=code,
        status="paid",
        currency="USD",
        subtotal=500,
        total=500,
        buyer_name="Ana",
    )


def test_rows_come_back_as_the_orm_reads_them():
    event = EventFactory()
    with tenancy.scoped(organizer_id=event.organizer_id), transaction.atomic():
        orders = [_order(event, "FAST0001"), _order(event, "FAST0002")]
        fastinsert.insert(orders)
        lines = [
            OrderLine(
                organizer_id=event.organizer_id,
                order=orders[0],
                ticket_type_id=event.ticket_types.create(
                    organizer_id=event.organizer_id,
                    name="GA",
                    price=500,
                    currency="USD",
                    capacity=5,
                ).pk,
                quantity=2,
                unit_price=500,
                attendee_names=["Ana", "Ben Ünal"],
            )
        ]
        fastinsert.insert(lines)
        entry = AuditLog(
            organizer_id=event.organizer_id,
            action="orders.order.created",
            data={"total": 500, "note": 'quote " and ünïcode'},
        )
        fastinsert.insert([entry])

        # Then the ids are set in order and the rows read back equal what was given
        assert orders[0].pk < orders[1].pk
        stored = Order.objects.get(pk=orders[1].pk)
        assert (stored.code, stored.total, stored.buyer_name) == ("FAST0002", 500, "Ana")
        assert stored.created_at is not None  # model defaults
        assert stored.discount_total == 0
        assert OrderLine.objects.get(pk=lines[0].pk).attendee_names == ["Ana", "Ben Ünal"]
        assert AuditLog.objects.get(pk=entry.pk).data == entry.data
        assert not orders[0]._state.adding


def test_only_new_objects_of_one_model():
    event = EventFactory()
    with tenancy.scoped(organizer_id=event.organizer_id), transaction.atomic():
        order = _order(event, "FAST0003")
        fastinsert.insert([order])
        with pytest.raises(ValueError, match="new objects of one model"):
            fastinsert.insert([order])
