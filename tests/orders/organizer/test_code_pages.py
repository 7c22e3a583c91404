"""Discount and access codes through the organizer pages: list, create, edit, deactivate, and every
validation message shown on the form with what was typed kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.events.models import EventStatus
from blackcanyon.orders import services
from blackcanyon.orders.models import DiscountKind
from tests.factories import EventFactory, TicketTypeFactory
from tests.orders.organizer.helpers import code_type_ids, codes_of, page_text, paid_order

pytestmark = pytest.mark.django_db


def codes_url(ticket_type, suffix: str = "") -> str:
    return f"/o/{ticket_type.event.organizer.slug}/events/{ticket_type.event_id}/codes/{suffix}"


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "spring-25",
        "kind": "percent",
        "value": "25",
        "max_redemptions": "",
        "valid_from": "",
        "valid_until": "",
    }
    data.update(overrides)
    return data


def audit_actions(organizer_id: int) -> list[str]:
    with tenancy.scoped(organizer_id=organizer_id):
        return list(
            AuditLog.objects.filter(organizer_id=organizer_id, action__contains="discount_code")
            .order_by("pk")
            .values_list("action", flat=True)
        )


def test_create_a_percent_code_limited_to_a_ticket_type(owner_client, ticket_type):
    # Given an event with two ticket types
    balcony = TicketTypeFactory(event=ticket_type.event, name="Balcony")

    # When the owner creates "spring-25": 25% off Balcony, 10 uses, valid in July (Denver time)
    response = owner_client.post(
        codes_url(ticket_type, "new/"),
        form(
            ticket_types=[str(balcony.pk)],
            max_redemptions="10",
            valid_from="2030-07-01T09:00",
            valid_until="2030-07-31T23:00",
        ),
        follow=True,
    )

    # Then it is stored upper-case without dashes, with its type, limit and window in UTC
    text = page_text(response)
    assert "Code SPRING25 created." in text
    (code,) = codes_of(ticket_type.event)
    assert (code.code, code.kind, code.value, code.max_redemptions) == (
        "SPRING25",
        DiscountKind.PERCENT,
        25,
        10,
    )
    assert code_type_ids(code) == {balcony.pk}
    assert code.valid_from == datetime(2030, 7, 1, 15, 0, tzinfo=UTC)
    assert code.valid_until == datetime(2030, 8, 1, 5, 0, tzinfo=UTC)
    # And the list shows it
    assert "SPRING25 25% off Balcony 0 / 10" in text
    assert "Active" in text
    assert audit_actions(ticket_type.organizer_id) == ["orders.discount_code.created"]


def test_create_a_fixed_code_typed_in_major_units(owner_client, ticket_type):
    owner_client.post(codes_url(ticket_type, "new/"), form(code="FIVE", kind="fixed", value="5.50"))

    (code,) = codes_of(ticket_type.event)
    assert (code.kind, code.value) == (DiscountKind.FIXED, 550)
    text = page_text(owner_client.get(codes_url(ticket_type)))
    assert "FIVE $5.50 off per ticket All 0 / ∞" in text


def test_create_an_access_code_for_a_hidden_type(owner_client, ticket_type):
    hidden = TicketTypeFactory(event=ticket_type.event, name="Backstage", hidden=True)

    owner_client.post(
        codes_url(ticket_type, "new/"),
        form(code="crew", kind="access", value="", unlocks_hidden="on", ticket_types=[hidden.pk]),
    )

    (code,) = codes_of(ticket_type.event)
    assert (code.code, code.kind, code.value, code.unlocks_hidden) == ("CREW", "access", 0, True)
    text = page_text(owner_client.get(codes_url(ticket_type)))
    assert "CREW No discount Unlocks hidden types Backstage" in text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": ""}, "code", "Enter a code."),
        ({"code": "ab"}, "code", "Use 3 to 40 letters or digits"),
        ({"code": "A" * 41}, "code", "Use 3 to 40 letters or digits"),
        ({"code": "no spaces!"}, "code", "Use only letters (A to Z), digits and dashes."),
        ({"value": "0"}, "value", "A percentage must be between 1 and 100."),
        ({"value": "101"}, "value", "A percentage must be between 1 and 100."),
        ({"value": "12.5"}, "value", "Enter the percentage as a whole number"),
        ({"value": ""}, "value", "Enter the percentage off"),
        ({"kind": "fixed", "value": "0"}, "value", "A fixed discount must be more than 0."),
        ({"kind": "fixed", "value": "-2"}, "value", "A fixed discount must be more than 0."),
        ({"kind": "fixed", "value": "5.555"}, "value", "USD amounts have at most 2 decimal"),
        ({"kind": "fixed", "value": "five"}, "value", "Enter an amount in USD, like 5.00."),
        (
            {"kind": "access", "value": "3", "unlocks_hidden": "on"},
            "value",
            "An access code gives no discount",
        ),
        ({"kind": "access", "value": ""}, "unlocks_hidden", "An access code only unlocks hidden"),
        ({"kind": "bogus"}, "kind", "Select a valid choice."),
        ({"max_redemptions": "0"}, "max_redemptions", "Enter at least 1"),
        (
            {"max_redemptions": "lots"},
            "max_redemptions",
            "Enter the maximum uses as a whole number.",
        ),
        (
            {"valid_from": "2030-07-02T10:00", "valid_until": "2030-07-01T10:00"},
            "valid_until",
            "The code must stop being valid after it starts.",
        ),
        ({"valid_from": "next week"}, "valid_from", "Enter a date and time"),
        ({"ticket_types": ["999999"]}, "ticket_types", "Select a valid choice."),
    ],
)
def test_each_invalid_field_is_explained_on_the_form(
    owner_client, ticket_type, overrides, field, message
):
    # When the owner submits a code with one problem
    data = form(**overrides)
    response = owner_client.post(codes_url(ticket_type, "new/"), data)

    # Then the form comes back with the message next to the field, and nothing is saved
    assert response.status_code == 200
    html = response.content.decode()
    assert message in page_text(response)
    assert f'id="id_{field}_error"' in html
    assert codes_of(ticket_type.event) == []
    if overrides.get("code"):
        assert f'value="{overrides["code"]}"' in html  # what was typed is kept


def test_problems_of_several_fields_are_shown_together(owner_client, ticket_type):
    # When the owner makes two mistakes of different kinds at once
    response = owner_client.post(
        codes_url(ticket_type, "new/"), form(code="ab", kind="fixed", value="x")
    )

    # Then both are explained in one go
    text = page_text(response)
    assert "Use 3 to 40 letters or digits" in text
    assert "Enter an amount in USD, like 5.00." in text


def test_another_events_ticket_type_is_refused_by_the_service(owner, ticket_type):
    other = TicketTypeFactory(event=EventFactory(organizer=owner.organizer))

    with pytest.raises(Exception, match="Some details") as caught:
        services.discount_code_create(
            actor=owner.user,
            event=ticket_type.event,
            code="MIXED",
            kind="percent",
            value=5,
            ticket_type_ids=[other.pk],
        )
    assert caught.value.fields == {"ticket_type_ids": ["Choose ticket types of this event."]}


def test_a_code_that_exists_for_the_event_is_refused_in_any_spelling(owner_client, ticket_type):
    owner_client.post(codes_url(ticket_type, "new/"), form(code="SPRING25"))

    response = owner_client.post(codes_url(ticket_type, "new/"), form(code="spring-25"))

    assert response.status_code == 200
    assert "This code already exists for this event" in page_text(response)
    assert len(codes_of(ticket_type.event)) == 1


def test_the_same_code_may_exist_for_another_event(owner_client, owner, ticket_type):
    other_type = TicketTypeFactory(event=EventFactory(organizer=owner.organizer))
    owner_client.post(codes_url(ticket_type, "new/"), form(code="SPRING25"))

    owner_client.post(codes_url(other_type, "new/"), form(code="SPRING25"))

    assert len(codes_of(other_type.event)) == 1


def test_edit_shows_the_values_as_typed_and_saves_changes(owner_client, owner, ticket_type):
    # Given a fixed code of $5 limited to Floor
    code = services.discount_code_create(
        actor=owner.user,
        event=ticket_type.event,
        code="FIVE",
        kind="fixed",
        value=500,
        ticket_type_ids=[ticket_type.pk],
        max_redemptions=3,
    )

    # When the owner opens the edit form
    html = owner_client.get(codes_url(ticket_type, f"{code.pk}/edit/")).content.decode()
    # Then it shows what they typed
    assert 'value="FIVE"' in html
    assert 'value="5.00"' in html
    assert 'value="3"' in html

    # When they change it to 20% for every type without a limit
    response = owner_client.post(
        codes_url(ticket_type, f"{code.pk}/edit/"),
        form(code="TWENTY", kind="percent", value="20", max_redemptions=""),
        follow=True,
    )

    # Then it is saved
    assert "Code TWENTY saved." in page_text(response)
    (stored,) = codes_of(ticket_type.event)
    assert (stored.code, stored.kind, stored.value, stored.max_redemptions) == (
        "TWENTY",
        "percent",
        20,
        None,
    )
    assert code_type_ids(stored) == set()
    assert audit_actions(owner.organizer_id)[-1] == "orders.discount_code.updated"


def test_max_uses_cannot_go_below_orders_that_used_the_code(owner_client, owner, ticket_type):
    # Given a code used by two orders
    code = services.discount_code_create(
        actor=owner.user, event=ticket_type.event, code="DUO", kind="percent", value=10
    )
    paid_order(ticket_type, code="DUO")
    paid_order(ticket_type, code="duo")

    # When the owner lowers its limit to 1
    response = owner_client.post(
        codes_url(ticket_type, f"{code.pk}/edit/"),
        form(code="DUO", value="10", max_redemptions="1"),
    )

    # Then it is refused next to the field
    assert response.status_code == 200
    assert "2 orders already used this code; the limit cannot go below that." in page_text(response)
    assert codes_of(ticket_type.event)[0].max_redemptions is None

    # But 2 is fine
    owner_client.post(
        codes_url(ticket_type, f"{code.pk}/edit/"),
        form(code="DUO", value="10", max_redemptions="2"),
    )
    assert codes_of(ticket_type.event)[0].max_redemptions == 2


def test_deactivate_and_reactivate(owner_client, owner, ticket_type):
    code = services.discount_code_create(
        actor=owner.user, event=ticket_type.event, code="GONE", kind="percent", value=10
    )

    response = owner_client.post(codes_url(ticket_type, f"{code.pk}/deactivate/"), follow=True)

    text = page_text(response)
    assert "Code GONE deactivated: buyers can no longer use it." in text
    assert "Inactive" in text
    assert not codes_of(ticket_type.event)[0].active

    owner_client.post(codes_url(ticket_type, f"{code.pk}/reactivate/"))
    assert codes_of(ticket_type.event)[0].active
    assert audit_actions(owner.organizer_id) == [
        "orders.discount_code.created",
        "orders.discount_code.deactivated",
        "orders.discount_code.reactivated",
    ]


def test_codes_of_a_cancelled_event_cannot_be_added(owner_client, owner, ticket_type):
    with tenancy.scoped(organizer_id=owner.organizer_id):
        type(ticket_type.event).objects.filter(pk=ticket_type.event_id).update(
            status=EventStatus.CANCELLED
        )

    response = owner_client.post(codes_url(ticket_type, "new/"), form())

    assert response.status_code == 200
    assert "This event has been cancelled" in page_text(response)
    assert codes_of(ticket_type.event) == []
    assert "New code" not in page_text(owner_client.get(codes_url(ticket_type)))


def test_code_of_another_event_is_not_found(owner_client, owner, ticket_type):
    other_type = TicketTypeFactory(event=EventFactory(organizer=owner.organizer))
    code = services.discount_code_create(
        actor=owner.user, event=other_type.event, code="ELSEWHERE", kind="percent", value=10
    )

    response = owner_client.get(codes_url(ticket_type, f"{code.pk}/edit/"))

    assert response.status_code == 404
    assert "Code not found" in page_text(response)
