"""Organizer event pages through HTTP: forms, validation messages, actions, permissions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from blackcanyon.core import clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.orders import services
from blackcanyon.organizers.models import Membership, Role
from tests.events.helpers import page_text
from tests.events.images import MAKE, jpeg_with_exif
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def base(membership: Membership) -> str:
    return f"/o/{membership.organizer.slug}/events/"


def event_form(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Canyon Blues",
        "slug": "",
        "description": "Live **blues** <script>alert(1)</script>",
        "venue_name": "Red Rock Hall",
        "venue_address": "1 Canyon Road, Moab",
        "timezone": "America/Denver",
        "starts_at": "2030-07-04T19:30",
        "ends_at": "2030-07-04T23:00",
        "capacity": "",
        "minimum_age": "21",
    }
    data.update(overrides)
    return data


def ticket_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "General admission",
        "description": "Standing",
        "price": "25.00",
        "capacity": "100",
        "sales_start": "",
        "sales_end": "",
        "min_per_order": "1",
        "max_per_order": "8",
        "position": "",
    }
    data.update(overrides)
    return data


def in_org(membership: Membership) -> tenancy.TenantContext:  # type: ignore[valid-type]
    return tenancy.scoped(organizer_id=membership.organizer_id)  # type: ignore[return-value]


# --- events: list, create, edit ------------------------------------------------------------------


def test_signed_out_visitor_is_sent_to_log_in(client, owner):
    response = client.get(base(owner))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_event_list_shows_status_date_and_tickets(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, title="Spring Gala", capacity=50)
    TicketTypeFactory(event=event, capacity=80, taken=7)
    EventFactory(organizer=owner.organizer, title="Idea", status=EventStatus.DRAFT)

    response = owner_client.get(base(owner))

    text = page_text(response)
    assert response.status_code == 200
    assert "New event" in text
    assert "Spring Gala" in text
    assert "Published" in text
    assert "7 / 50" in text
    assert "Idea" in text
    assert "Draft" in text


def test_seats_held_in_checkout_are_shown_apart_from_tickets_sold(owner_client, owner):
    # Given 7 tickets sold and a buyer holding 2 more in checkout
    event = EventFactory(organizer=owner.organizer, title="Spring Gala")
    floor = TicketTypeFactory(event=event, name="Floor", capacity=80, taken=7)
    services.reservation_create(event=event, quantities={floor.pk: 2})

    # When the organizer looks at the event list and the event
    listed = page_text(owner_client.get(base(owner)))
    detail = page_text(owner_client.get(f"{base(owner)}{event.pk}/"))

    # Then 7 are sold and 2 are in checkout, not 9 sold
    assert "7 / 80 · 2 in checkout" in listed
    assert "Tickets sold 7 / 80 · 2 held in checkout" in detail
    assert "7 / 80 · 2 in checkout" in detail  # the Floor row

    # And once the hold has lapsed (not yet swept) it is neither sold nor held
    with clock.frozen(clock.in_future(hours=2)):
        listed = page_text(owner_client.get(base(owner)))
    assert "7 / 80" in listed
    assert "in checkout" not in listed


def test_new_event_form_defaults_to_the_organizer_time_zone(owner_client, owner):
    response = owner_client.get(base(owner) + "new/")

    assert response.status_code == 200
    assert '<option value="America/Denver" selected>' in response.content.decode()


def test_owner_creates_event_with_times_in_the_event_time_zone(owner_client, owner):
    response = owner_client.post(base(owner) + "new/", event_form())

    with in_org(owner):
        event = Event.objects.get(organizer=owner.organizer)
        assert AuditLog.objects.filter(action="events.event.created").count() == 1
    assert response.status_code == 302
    assert response["Location"] == f"{base(owner)}{event.pk}/"
    assert event.status == EventStatus.DRAFT
    assert event.slug == "canyon-blues"
    # 19:30 MDT is 01:30 UTC the next day.
    assert event.starts_at == datetime(2030, 7, 5, 1, 30, tzinfo=UTC)
    assert event.ends_at == datetime(2030, 7, 5, 5, 0, tzinfo=UTC)
    assert event.minimum_age == 21
    assert "<script" not in event.description_html
    assert "<strong>blues</strong>" in event.description_html


def test_end_before_start_returns_the_form_with_a_message_and_the_typed_values(owner_client, owner):
    response = owner_client.post(
        base(owner) + "new/", event_form(ends_at="2030-07-04T18:00", title="Typed Title")
    )

    assert response.status_code == 200
    assert "The event must end after it starts" in page_text(response)
    assert 'value="Typed Title"' in response.content.decode()
    with in_org(owner):
        assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"capacity": "-5"}, "Capacity cannot be less than 0."),
        ({"capacity": "lots"}, "Enter capacity as a whole number."),
        ({"minimum_age": "150"}, "Minimum age cannot be more than 99."),
        ({"timezone": "Mars/Olympus"}, "Choose a valid time zone."),
        ({"starts_at": "next tuesday"}, "Enter a date and time, like 2026-07-04 19:30."),
        ({"title": ""}, "This field is required."),
        ({"starts_at": "2030-03-10T02:30", "ends_at": "2030-03-10T05:00"}, "does not exist"),
    ],
)
def test_bad_event_input_is_explained_next_to_the_field(owner_client, owner, overrides, message):
    response = owner_client.post(base(owner) + "new/", event_form(**overrides))

    assert response.status_code == 200
    assert message in page_text(response)


def test_slug_in_use_is_explained(owner_client, owner):
    EventFactory(organizer=owner.organizer, slug="blues")

    response = owner_client.post(base(owner) + "new/", event_form(slug="blues"))

    assert response.status_code == 200
    assert "already uses this web address" in page_text(response)


def test_bad_image_upload_returns_the_form_with_a_message(owner_client, owner):
    upload = SimpleUploadedFile("photo.jpg", b"this is not a jpeg", content_type="image/jpeg")

    response = owner_client.post(base(owner) + "new/", {**event_form(), "image": upload})

    assert response.status_code == 200
    assert "This file is not an image we can read" in page_text(response)
    assert 'value="Canyon Blues"' in response.content.decode()
    with in_org(owner):
        assert not Event.objects.exists()


def test_uploaded_image_is_stored_reencoded_without_exif(owner_client, owner, settings):
    upload = SimpleUploadedFile(
        "IMG_0001.JPG", jpeg_with_exif(2400, 1200), content_type="image/jpeg"
    )

    owner_client.post(base(owner) + "new/", {**event_form(), "image": upload})

    with in_org(owner):
        event = Event.objects.get()
    assert event.image.name.startswith(f"events/{owner.organizer_id}/")
    assert event.image.name.endswith(".webp")
    assert "IMG_0001" not in event.image.name
    with Image.open(event.image.path) as stored:
        assert stored.size == (1600, 800)
        assert MAKE not in stored.getexif()
    # The public page shows it.
    event.status = EventStatus.PUBLISHED
    with in_org(owner):
        event.save(update_fields=["status"])
    public = owner_client.get(f"/e/{owner.organizer.slug}/{event.slug}/")
    assert event.image.url in public.content.decode()


def test_edit_form_shows_times_in_the_event_time_zone(owner_client, owner):
    event = EventFactory(
        organizer=owner.organizer,
        timezone="America/Denver",
        starts_at=datetime(2030, 7, 5, 1, 30, tzinfo=UTC),
        ends_at=datetime(2030, 7, 5, 5, 0, tzinfo=UTC),
    )

    response = owner_client.get(f"{base(owner)}{event.pk}/edit/")

    assert response.status_code == 200
    assert 'value="2030-07-04T19:30"' in response.content.decode()


def test_edit_refuses_capacity_below_tickets_taken(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, timezone="America/Denver", capacity=100)
    TicketTypeFactory(event=event, taken=8)

    response = owner_client.post(
        f"{base(owner)}{event.pk}/edit/",
        event_form(title=event.title, slug=event.slug, capacity="5"),
    )

    assert response.status_code == 200
    assert "You have already sold 8 tickets for this event" in page_text(response)
    with in_org(owner):
        event.refresh_from_db()
    assert event.capacity == 100


def test_edit_saves_changes(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, slug="old-slug")

    response = owner_client.post(
        f"{base(owner)}{event.pk}/edit/", event_form(title="New Title", slug="")
    )

    assert response.status_code == 302
    with in_org(owner):
        event.refresh_from_db()
        assert AuditLog.objects.filter(action="events.event.updated").exists()
    assert (event.title, event.slug) == ("New Title", "old-slug")


# --- detail and actions --------------------------------------------------------------------------


def test_detail_shows_status_public_link_and_ticket_types(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, title="Harvest Moon")
    TicketTypeFactory(event=event, name="Early", price=1500, capacity=40, taken=3, hidden=True)

    response = owner_client.get(f"{base(owner)}{event.pk}/")

    text = page_text(response)
    assert response.status_code == 200
    assert "Published" in text
    assert f"/e/{owner.organizer.slug}/{event.slug}/" in text
    for shown in ("Early", "$15.00", "3 / 40", "Hidden"):
        assert shown in text
    for action in ("Edit event", "Duplicate", "Cancel event", "Add ticket type"):
        assert action in text


def test_duplicate_creates_a_draft_copy(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, title="Fall Fair")
    TicketTypeFactory(event=event, taken=9)

    response = owner_client.post(f"{base(owner)}{event.pk}/duplicate/")

    with in_org(owner):
        copy = Event.objects.exclude(pk=event.pk).get()
        copied_types = list(TicketType.objects.filter(event=copy))
    assert response.status_code == 302
    assert response["Location"] == f"{base(owner)}{copy.pk}/"
    assert copy.title == "Fall Fair (copy)"
    assert copy.status == EventStatus.DRAFT
    assert [t.taken for t in copied_types] == [0]


def test_publish_without_ticket_types_explains_why(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, status=EventStatus.DRAFT)

    response = owner_client.post(f"{base(owner)}{event.pk}/publish/", follow=True)

    assert "Add at least one ticket type before publishing." in page_text(response)
    with in_org(owner):
        event.refresh_from_db()
    assert event.status == EventStatus.DRAFT


def test_publish_with_a_ticket_type_puts_the_event_on_the_home_page(owner_client, owner, client):
    event = EventFactory(organizer=owner.organizer, status=EventStatus.DRAFT, title="Opening")
    owner_client.post(f"{base(owner)}{event.pk}/ticket-types/new/", ticket_form())

    response = owner_client.post(f"{base(owner)}{event.pk}/publish/", follow=True)

    assert "Published" in page_text(response)
    assert "Opening" in page_text(Client().get("/"))


def test_cancel_asks_for_confirmation_then_cancels(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, title="Rain Check")
    TicketTypeFactory(event=event)

    confirm = owner_client.get(f"{base(owner)}{event.pk}/cancel/")
    with in_org(owner):
        event.refresh_from_db()
    assert "cannot be undone" in page_text(confirm)
    assert event.status == EventStatus.PUBLISHED

    owner_client.post(f"{base(owner)}{event.pk}/cancel/")

    with in_org(owner):
        event.refresh_from_db()
        assert AuditLog.objects.filter(action="events.event.cancelled").exists()
    assert event.status == EventStatus.CANCELLED
    assert event.cancelled_at is not None
    public = Client().get(f"/e/{owner.organizer.slug}/{event.slug}/")
    assert "This event has been cancelled" in page_text(public)


def test_cancelled_event_cannot_be_edited(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, status=EventStatus.CANCELLED)

    response = owner_client.post(f"{base(owner)}{event.pk}/edit/", event_form())

    assert response.status_code == 200
    assert "cancelled and can no longer be changed" in page_text(response)


# --- ticket types --------------------------------------------------------------------------------


def test_owner_adds_a_ticket_type_priced_in_major_units(owner_client, owner):
    event = EventFactory(organizer=owner.organizer, timezone="America/Denver")

    response = owner_client.post(
        f"{base(owner)}{event.pk}/ticket-types/new/",
        ticket_form(price="25.50", sales_start="2030-06-01T09:00"),
    )

    assert response.status_code == 302
    with in_org(owner):
        tt = TicketType.objects.get(event=event)
    assert (tt.price, tt.currency, tt.capacity, tt.max_per_order) == (2550, "USD", 100, 8)
    assert tt.organizer_id == owner.organizer_id
    assert tt.sales_start == datetime(2030, 6, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": "-5"}, "Price cannot be negative"),
        ({"price": "abc"}, "Enter a price like 25.00."),
        ({"price": "1.005"}, "USD prices have at most 2 decimal places."),
        ({"capacity": "-1"}, "Capacity cannot be less than 0."),
        ({"min_per_order": "0"}, "cannot be less than 1"),
        ({"min_per_order": "5", "max_per_order": "2"}, "cannot be less than the minimum"),
        (
            {"sales_start": "2030-06-02T09:00", "sales_end": "2030-06-01T09:00"},
            "Sales must end after they start.",
        ),
    ],
)
def test_bad_ticket_type_input_is_explained(owner_client, owner, overrides, message):
    event = EventFactory(organizer=owner.organizer)

    response = owner_client.post(
        f"{base(owner)}{event.pk}/ticket-types/new/", ticket_form(**overrides)
    )

    assert response.status_code == 200
    assert message in page_text(response)
    with in_org(owner):
        assert not TicketType.objects.exists()


def test_ticket_type_capacity_below_taken_is_refused(owner_client, owner):
    event = EventFactory(organizer=owner.organizer)
    tt = TicketTypeFactory(event=event, taken=5, capacity=10)

    response = owner_client.post(
        f"{base(owner)}{event.pk}/ticket-types/{tt.pk}/edit/", ticket_form(capacity="3")
    )

    assert response.status_code == 200
    assert (
        "You have already sold 5 tickets of this type; capacity cannot go below that"
        in page_text(response)
    )


def test_ticket_type_edit_form_shows_price_in_major_units(owner_client, owner):
    event = EventFactory(organizer=owner.organizer)
    tt = TicketTypeFactory(event=event, price=2550)

    response = owner_client.get(f"{base(owner)}{event.pk}/ticket-types/{tt.pk}/edit/")

    assert 'value="25.50"' in response.content.decode()


def test_ticket_type_with_sales_is_not_deleted(owner_client, owner):
    event = EventFactory(organizer=owner.organizer)
    tt = TicketTypeFactory(event=event, taken=2)

    response = owner_client.post(
        f"{base(owner)}{event.pk}/ticket-types/{tt.pk}/delete/", follow=True
    )

    assert "cannot be deleted" in page_text(response)
    with in_org(owner):
        assert TicketType.objects.filter(pk=tt.pk).exists()


def test_unsold_ticket_type_is_deleted(owner_client, owner):
    event = EventFactory(organizer=owner.organizer)
    tt = TicketTypeFactory(event=event)

    owner_client.post(f"{base(owner)}{event.pk}/ticket-types/{tt.pk}/delete/")

    with in_org(owner):
        assert not TicketType.objects.filter(pk=tt.pk).exists()


# --- scoping and permissions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix", ["", "edit/", "ticket-types/new/", "ticket-types/{tt}/edit/", "cancel/"]
)
def test_other_organizers_owner_gets_404_on_our_event_urls(client, owner, suffix):
    # Given organizer A's event and the owner of organizer B
    event = EventFactory(organizer=owner.organizer)
    tt = TicketTypeFactory(event=event)
    other = MembershipFactory(role=Role.OWNER)
    client.force_login(other.user)
    path = f"{event.pk}/" + suffix.format(tt=tt.pk)

    # When B's owner uses A's event id under B's own slug, and under A's slug
    via_own_slug = client.get(f"{base(other)}{path}")
    via_a_slug = client.get(f"{base(owner)}{path}")

    # Then both are simply not found
    assert via_own_slug.status_code == 404
    assert via_a_slug.status_code == 404


def test_other_organizers_owner_cannot_post_actions_on_our_event(client, owner):
    event = EventFactory(organizer=owner.organizer, status=EventStatus.DRAFT)
    tt = TicketTypeFactory(event=event)
    other = MembershipFactory(role=Role.OWNER)
    client.force_login(other.user)

    for action in ("publish/", "cancel/", "duplicate/", f"ticket-types/{tt.pk}/delete/"):
        assert client.post(f"{base(other)}{event.pk}/{action}").status_code == 404

    with in_org(owner):
        event.refresh_from_db()
        assert TicketType.objects.filter(pk=tt.pk).exists()
        assert Event.objects.count() == 1
    assert event.status == EventStatus.DRAFT


def test_ticket_type_of_another_event_is_not_found(owner_client, owner):
    first = EventFactory(organizer=owner.organizer)
    second = EventFactory(organizer=owner.organizer)
    tt = TicketTypeFactory(event=second)

    response = owner_client.get(f"{base(owner)}{first.pk}/ticket-types/{tt.pk}/edit/")

    assert response.status_code == 404


def test_staff_can_manage_but_not_publish_or_cancel(client, owner):
    staff = MembershipFactory(organizer=owner.organizer, role=Role.STAFF)
    event = EventFactory(organizer=owner.organizer, status=EventStatus.DRAFT)
    TicketTypeFactory(event=event)
    client.force_login(staff.user)

    detail = client.get(f"{base(owner)}{event.pk}/")
    publish = client.post(f"{base(owner)}{event.pk}/publish/")
    cancel = client.post(f"{base(owner)}{event.pk}/cancel/")

    assert detail.status_code == 200
    assert "Publish" not in page_text(detail)
    assert publish.status_code == 403
    assert cancel.status_code == 403
    with in_org(owner):
        event.refresh_from_db()
    assert event.status == EventStatus.DRAFT


def test_scanner_role_cannot_see_events(client, owner):
    scanner = MembershipFactory(organizer=owner.organizer, role=Role.SCANNER)
    client.force_login(scanner.user)

    assert client.get(base(owner)).status_code == 403
