"""Event and ticket type services, called directly in the organizer's tenant context."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from blackcanyon.core import clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.events import services
from blackcanyon.events.errors import (
    CapacityBelowTaken,
    EventCancelled,
    EventInvalid,
    EventNotDraft,
    EventNotPublishable,
    EventSlugTaken,
    TicketTypeHasSales,
    TicketTypeInvalid,
)
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.organizers.models import Membership
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

START = datetime(2030, 7, 5, 1, 30, tzinfo=UTC)


@pytest.fixture
def org(owner: Membership) -> Iterator[Membership]:
    """Run the test body in the owner's organizer context (as an organizer page would)."""
    with tenancy.scoped(organizer_id=owner.organizer_id, user_id=owner.user_id):
        yield owner


def create(org: Membership, **overrides) -> Event:  # type: ignore[no-untyped-def]
    values = {
        "title": "Summer Fest",
        "timezone": "America/Denver",
        "starts_at": START,
        "ends_at": START + timedelta(hours=4),
    }
    values.update(overrides)
    return services.event_create(actor=org.user, organizer=org.organizer, **values)


def audit_actions(event_or_type) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        AuditLog.objects.filter(
            object_type=event_or_type._meta.label_lower, object_id=str(event_or_type.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_create_makes_a_draft_with_rendered_description_and_audit_entry(org):
    event = create(org, description="Hello **world** <script>x()</script>")

    assert event.status == EventStatus.DRAFT
    assert event.slug == "summer-fest"
    assert event.description_html == "<p>Hello <strong>world</strong> </p>"
    assert event.created_by == org.user
    assert audit_actions(event) == ["events.event.created"]


def test_derived_slugs_are_unique_per_organizer(org):
    first = create(org)
    second = create(org)

    assert (first.slug, second.slug) == ("summer-fest", "summer-fest-2")


def test_an_explicit_slug_already_in_use_is_refused(org):
    create(org, slug="fest")

    with pytest.raises(EventSlugTaken) as caught:
        create(org, slug="fest")
    assert "slug" in caught.value.fields


def test_end_before_start_is_refused(org):
    with pytest.raises(EventInvalid) as caught:
        create(org, ends_at=START - timedelta(minutes=1))

    assert caught.value.fields["ends_at"] == ["The event must end after it starts."]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"capacity": -1}, "capacity"),
        ({"minimum_age": 120}, "minimum_age"),
        ({"slug": "Not A Slug!"}, "slug"),
        ({"starts_at": datetime(2030, 7, 5, 1, 30)}, "starts_at"),
    ],
)
def test_invalid_event_fields_are_named(org, overrides, field):
    with pytest.raises(EventInvalid) as caught:
        create(org, **overrides)

    assert field in caught.value.fields


def test_event_capacity_cannot_go_below_tickets_taken(org):
    event = EventFactory(organizer=org.organizer, status=EventStatus.DRAFT)
    TicketTypeFactory(event=event, taken=3)
    TicketTypeFactory(event=event, taken=4)

    with pytest.raises(CapacityBelowTaken) as caught:
        services.event_update(
            actor=org.user,
            event=event,
            title=event.title,
            timezone=event.timezone,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            capacity=6,
        )
    assert "already sold 7 tickets for this event" in caught.value.message


def test_update_records_which_fields_changed(org):
    event = create(org)

    services.event_update(
        actor=org.user,
        event=event,
        title="Summer Fest 2030",
        timezone=event.timezone,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=500,
    )

    entry = AuditLog.objects.filter(action="events.event.updated").get()
    assert entry.data["changed"] == ["capacity", "title"]
    event.refresh_from_db()
    assert (event.title, event.slug, event.capacity) == ("Summer Fest 2030", "summer-fest", 500)


def test_duplicate_copies_event_as_draft_with_fresh_ticket_types(org):
    # Given a published event with two types, one of them partly sold
    event = EventFactory(organizer=org.organizer, title="Jazz Night", slug="jazz-night")
    TicketTypeFactory(event=event, name="GA", taken=12, price=2000)
    TicketTypeFactory(event=event, name="VIP", hidden=True, price=9000)

    # When it is duplicated (twice)
    copy = services.event_duplicate(actor=org.user, event=event)
    again = services.event_duplicate(actor=org.user, event=event)

    # Then each copy is a draft with its own slug and unsold copies of the types
    assert copy.title == "Jazz Night (copy)"
    assert copy.status == EventStatus.DRAFT
    assert (copy.slug, again.slug) == ("jazz-night-copy", "jazz-night-copy-2")
    types = list(TicketType.objects.filter(event=copy).order_by("position", "id"))
    assert [(t.name, t.taken, t.price, t.hidden) for t in types] == [
        ("GA", 0, 2000, False),
        ("VIP", 0, 9000, True),
    ]
    assert all(t.organizer_id == org.organizer_id for t in types)
    assert audit_actions(copy) == ["events.event.duplicated"]


def test_publish_requires_a_ticket_type(org):
    event = create(org)

    with pytest.raises(EventNotPublishable, match="at least one ticket type"):
        services.event_publish(actor=org.user, event=event)
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT


def test_publish_refuses_an_event_that_has_ended(org):
    event = EventFactory(
        organizer=org.organizer,
        status=EventStatus.DRAFT,
        starts_at=clock.now() - timedelta(days=2),
        ends_at=clock.now() - timedelta(days=1),
    )
    TicketTypeFactory(event=event)

    with pytest.raises(EventNotPublishable, match="already ended"):
        services.event_publish(actor=org.user, event=event)


def test_publish_puts_a_draft_on_sale_once(org):
    event = create(org)
    services.ticket_type_create(actor=org.user, event=event, name="GA", price=2500, capacity=10)

    services.event_publish(actor=org.user, event=event)

    assert event.status == EventStatus.PUBLISHED
    assert event.published_at is not None
    with pytest.raises(EventNotDraft):
        services.event_publish(actor=org.user, event=event)
    assert audit_actions(event)[-1] == "events.event.published"


def test_cancel_is_final(org):
    event = EventFactory(organizer=org.organizer)
    tt = TicketTypeFactory(event=event)

    services.event_cancel(actor=org.user, event=event)

    assert event.status == EventStatus.CANCELLED
    assert event.cancelled_at is not None
    assert audit_actions(event) == ["events.event.cancelled"]
    with pytest.raises(EventCancelled):
        services.event_cancel(actor=org.user, event=event)
    with pytest.raises(EventCancelled):
        services.event_publish(actor=org.user, event=event)
    with pytest.raises(EventCancelled):
        services.ticket_type_create(actor=org.user, event=event, name="X", price=1, capacity=1)
    tt.refresh_from_db()
    with pytest.raises(EventCancelled):
        services.ticket_type_delete(actor=org.user, ticket_type=tt)


def test_first_ticket_type_fixes_the_event_currency(org):
    # Given an event whose first type was created while the organizer sold in USD
    event = create(org)
    first = services.ticket_type_create(
        actor=org.user, event=event, name="GA", price=2500, capacity=10
    )

    # When the organizer switches to EUR and adds another type
    org.organizer.default_currency = "EUR"
    org.organizer.save(update_fields=["default_currency"])
    event.refresh_from_db()
    second = services.ticket_type_create(
        actor=org.user, event=event, name="VIP", price=9000, capacity=5
    )

    # Then both share the event's currency and the new type is listed last
    assert (first.currency, second.currency) == ("USD", "USD")
    assert (first.position, second.position) == (0, 1)
    assert second.organizer_id == org.organizer_id
    assert audit_actions(second) == ["events.ticket_type.created"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": -100}, "price", "Price cannot be negative."),
        ({"capacity": -1}, "capacity", None),
        ({"min_per_order": 0}, "min_per_order", None),
        ({"min_per_order": 5, "max_per_order": 2}, "max_per_order", None),
        (
            {
                "sales_start": START,
                "sales_end": START - timedelta(hours=1),
            },
            "sales_end",
            "Sales must end after they start.",
        ),
    ],
)
def test_invalid_ticket_type_fields_are_named(org, overrides, field, message):
    event = create(org)
    values = {"name": "GA", "price": 2500, "capacity": 10, **overrides}

    with pytest.raises(TicketTypeInvalid) as caught:
        services.ticket_type_create(actor=org.user, event=event, **values)

    assert field in caught.value.fields
    if message:
        assert caught.value.fields[field] == [message]


def test_ticket_type_capacity_cannot_go_below_taken(org):
    tt = TicketTypeFactory(event=EventFactory(organizer=org.organizer), taken=5, capacity=10)

    with pytest.raises(CapacityBelowTaken) as caught:
        services.ticket_type_update(
            actor=org.user, ticket_type=tt, name=tt.name, price=tt.price, capacity=4
        )

    assert caught.value.message == (
        "You have already sold 5 tickets of this type; capacity cannot go below that."
    )
    tt.refresh_from_db()
    assert tt.capacity == 10


def test_ticket_type_update_keeps_currency_and_records_changes(org):
    tt = TicketTypeFactory(event=EventFactory(organizer=org.organizer), taken=5, capacity=10)

    services.ticket_type_update(
        actor=org.user, ticket_type=tt, name="Standard", price=3000, capacity=5
    )

    tt.refresh_from_db()
    assert (tt.name, tt.price, tt.capacity, tt.currency) == ("Standard", 3000, 5, "USD")
    entry = AuditLog.objects.filter(action="events.ticket_type.updated").get()
    assert entry.data["changed"] == ["capacity", "name", "price"]


def test_ticket_type_with_sales_cannot_be_deleted(org):
    tt = TicketTypeFactory(event=EventFactory(organizer=org.organizer), taken=1)

    with pytest.raises(TicketTypeHasSales):
        services.ticket_type_delete(actor=org.user, ticket_type=tt)
    assert TicketType.objects.filter(pk=tt.pk).exists()


def test_unsold_ticket_type_is_deleted_with_an_audit_entry(org):
    tt = TicketTypeFactory(event=EventFactory(organizer=org.organizer))
    tt_id = tt.pk

    services.ticket_type_delete(actor=org.user, ticket_type=tt)

    assert not TicketType.objects.filter(pk=tt_id).exists()
    assert AuditLog.objects.filter(
        action="events.ticket_type.deleted", object_id=str(tt_id)
    ).exists()
