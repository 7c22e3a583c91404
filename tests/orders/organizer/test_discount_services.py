"""The discount code services on their own: every rule, the audit entries, the through table."""

from __future__ import annotations

from datetime import timedelta

import pytest

from blackcanyon.core import clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.events.errors import EventCancelled
from blackcanyon.events.models import EventStatus
from blackcanyon.orders import errors, services
from blackcanyon.orders.models import DiscountCodeTicketType
from tests.factories import EventFactory, TicketTypeFactory
from tests.orders.organizer.helpers import codes_of, reserve

pytestmark = pytest.mark.django_db


def create(owner, ticket_type, **kwargs):
    values = {"code": "SAVE10", "kind": "percent", "value": 10}
    values.update(kwargs)
    return services.discount_code_create(actor=owner.user, event=ticket_type.event, **values)


NOW = clock.now()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "  "}, "code"),
        ({"code": "a-b"}, "code"),  # 2 characters once the dash is dropped
        ({"code": "Ü-BER"}, "code"),
        ({"code": "X" * 41}, "code"),
        ({"kind": "gift"}, "kind"),
        ({"kind": "percent", "value": 0}, "value"),
        ({"kind": "percent", "value": 101}, "value"),
        ({"kind": "fixed", "value": 0}, "value"),
        ({"kind": "access", "value": 100, "unlocks_hidden": True}, "value"),
        ({"kind": "access", "value": 0, "unlocks_hidden": False}, "unlocks_hidden"),
        ({"max_redemptions": 0}, "max_redemptions"),
        ({"valid_from": NOW, "valid_until": NOW}, "valid_until"),
        ({"ticket_type_ids": [987654]}, "ticket_type_ids"),
    ],
)
def test_invalid_codes_are_refused_with_the_field_named(owner, ticket_type, kwargs, field):
    with pytest.raises(errors.DiscountCodeInvalid) as caught:
        create(owner, ticket_type, **kwargs)

    assert list(caught.value.fields) == [field]
    assert codes_of(ticket_type.event) == []


def test_code_is_stored_normalised_and_unique_per_event(owner, ticket_type):
    code = create(owner, ticket_type, code=" early-Bird ")
    assert code.code == "EARLYBIRD"

    with pytest.raises(errors.DiscountCodeTaken) as caught:
        create(owner, ticket_type, code="EARLY-BIRD")
    assert caught.value.fields == {"code": ["This code already exists for this event."]}
    assert caught.value.status == 409


def test_ticket_type_links_carry_the_organizer_and_follow_updates(owner, ticket_type):
    # Given a code for Floor and Balcony
    balcony = TicketTypeFactory(event=ticket_type.event, name="Balcony")
    code = create(owner, ticket_type, ticket_type_ids=[ticket_type.pk, balcony.pk])

    def links() -> set[tuple[int, int]]:
        with tenancy.scoped(organizer_id=owner.organizer_id):
            return set(
                DiscountCodeTicketType.objects.filter(discount_code=code).values_list(
                    "ticket_type_id", "organizer_id"
                )
            )

    assert links() == {(ticket_type.pk, owner.organizer_id), (balcony.pk, owner.organizer_id)}

    # When it is narrowed to Balcony
    services.discount_code_update(
        actor=owner.user,
        discount_code=code,
        code="SAVE10",
        kind="percent",
        value=10,
        ticket_type_ids=[balcony.pk],
    )

    # Then only that link is left
    assert links() == {(balcony.pk, owner.organizer_id)}


def test_each_change_is_audited_with_its_actor(owner, ticket_type):
    code = create(owner, ticket_type, valid_until=NOW + timedelta(days=3))
    services.discount_code_update(
        actor=owner.user, discount_code=code, code="SAVE20", kind="percent", value=20
    )
    services.discount_code_deactivate(actor=owner.user, discount_code=code)
    services.discount_code_deactivate(actor=owner.user, discount_code=code)  # no-op

    with tenancy.scoped(organizer_id=owner.organizer_id):
        entries = list(
            AuditLog.objects.filter(
                object_type="orders.discountcode", object_id=str(code.pk)
            ).order_by("pk")
        )
    assert [e.action for e in entries] == [
        "orders.discount_code.created",
        "orders.discount_code.updated",
        "orders.discount_code.deactivated",
    ]
    assert {e.actor_id for e in entries} == {owner.user_id}
    assert entries[0].data["code"] == "SAVE10"
    assert entries[1].data["value"] == 20


def test_renaming_onto_another_code_of_the_event_is_refused(owner, ticket_type):
    create(owner, ticket_type, code="FIRST")
    second = create(owner, ticket_type, code="SECOND")

    with pytest.raises(errors.DiscountCodeTaken):
        services.discount_code_update(
            actor=owner.user, discount_code=second, code="first", kind="percent", value=10
        )


def test_limit_cannot_drop_below_redemptions_taken(owner, ticket_type):
    code = create(owner, ticket_type, max_redemptions=5)
    reserve(ticket_type, 1, code="SAVE10")
    reserve(ticket_type, 1, code="SAVE10")

    with pytest.raises(errors.DiscountCodeInvalid, match="2 orders already used this code"):
        services.discount_code_update(
            actor=owner.user,
            discount_code=code,
            code="SAVE10",
            kind="percent",
            value=10,
            max_redemptions=1,
        )
    assert codes_of(ticket_type.event)[0].max_redemptions == 5


def test_codes_of_cancelled_events_cannot_change(owner, ticket_type):
    code = create(owner, ticket_type)
    services.discount_code_deactivate(actor=owner.user, discount_code=code)
    event = EventFactory(organizer=owner.organizer, status=EventStatus.CANCELLED)
    with tenancy.scoped(organizer_id=owner.organizer_id):
        type(event).objects.filter(pk=ticket_type.event_id).update(status=EventStatus.CANCELLED)

    with pytest.raises(EventCancelled):
        services.discount_code_reactivate(actor=owner.user, discount_code=code)
    with pytest.raises(EventCancelled):
        services.discount_code_update(
            actor=owner.user, discount_code=code, code="SAVE10", kind="percent", value=5
        )
    with pytest.raises(EventCancelled):
        services.discount_code_create(
            actor=owner.user, event=event, code="LATE", kind="percent", value=5
        )
