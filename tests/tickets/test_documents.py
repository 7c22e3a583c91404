"""The tickets PDF (one page per ticket, a QR code that scans and verifies) and the .ics file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from blackcanyon.core import tenancy
from blackcanyon.orders import access, services
from blackcanyon.orders.models import Order
from blackcanyon.tickets import documents, signing
from tests.factories import EventFactory, TicketTypeFactory
from tests.tickets.helpers import (
    during,
    paid_order,
    pdf_pages,
    public_key,
    reload_order,
    revoked,
    tickets_of,
)

pytestmark = pytest.mark.django_db


def _pdf(order: Order) -> bytes:
    order = reload_order(order)
    with tenancy.scoped(organizer_id=order.organizer_id):
        return documents.order_pdf(order=order, tickets=tickets_of(order), event=order.event)


def _ics(order: Order) -> Calendar:
    order = reload_order(order)
    return Calendar.from_ical(documents.order_ics(order=order, event=order.event))


def test_pdf_has_one_page_per_ticket_each_with_a_qr_code_that_verifies(concert, floor):
    # Given a paid order of three tickets
    order = paid_order(floor, 3, names=["Ana Canyon", "Ben Mesa", "Cy Butte"])
    tickets = tickets_of(order)

    # When the buyer opens the PDF
    pages = pdf_pages(_pdf(order))

    # Then each page carries one ticket whose QR code admits it (and only it) at the event
    assert len(pages) == 3
    key = public_key(concert)
    for page, ticket, name in zip(
        pages, tickets, ["Ana Canyon", "Ben Mesa", "Cy Butte"], strict=True
    ):
        text, codes = page
        assert len(codes) == 1
        claims = signing.verify(codes[0], key, event_id=concert.pk, now=during(concert))
        assert claims.ticket_id == ticket.pk
        assert claims.secret == ticket.secret
        assert claims.ticket_type_id == floor.pk
        assert name in text


def test_pdf_page_shows_what_the_door_and_the_buyer_need(concert, floor):
    order = paid_order(floor, 1, names=["Ana Canyon"])
    ticket = tickets_of(order)[0]

    text, _ = pdf_pages(_pdf(order))[0]

    secret = ticket.secret
    for expected in (
        "Canyon Fourth",
        "Thu, Jul 4, 2030, 7:30 PM \N{EN DASH} 10:00 PM MDT",
        "Red Rock Hall",
        "1 Canyon Road, Moab, UT",
        "Ana Canyon",
        "Floor",
        order.code,
        f"{secret[:4]} {secret[4:8]} {secret[8:]}",
        "ID check 18+",
        "1 of 1",
    ):
        assert expected in text, expected


def test_pdf_without_a_minimum_age_has_no_id_check(floor):
    event = EventFactory(minimum_age=None)
    order = paid_order(TicketTypeFactory(event=event), 1)

    text, _ = pdf_pages(_pdf(order))[0]

    assert "ID check" not in text


def test_pdf_leaves_out_cancelled_tickets(concert, floor):
    order = paid_order(floor, 2)
    first = tickets_of(order)[0]
    with tenancy.scoped(organizer_id=order.organizer_id):
        first.status = "cancelled"
        first.save(update_fields=["status"])

    pages = pdf_pages(_pdf(order))

    assert len(pages) == 1
    claims = signing.parse(pages[0][1][0])[0]
    assert claims.ticket_id == tickets_of(order)[1].pk


def test_pdf_of_an_order_without_valid_tickets_says_so(concert, floor):
    order = paid_order(floor, 1)
    services.order_cancel(actor=None, order=order)

    pages = pdf_pages(_pdf(order))

    assert len(pages) == 1
    assert "has no valid tickets" in pages[0][0]
    assert pages[0][1] == []


def test_pdf_renders_names_in_other_scripts(concert, floor):
    names = ["Zoë Þórsdóttir", "Мария Иванова", "Ærøskøbing — Ελένη"]
    order = paid_order(floor, 3, names=names)

    pages = pdf_pages(_pdf(order))

    for (text, codes), name in zip(pages, names, strict=True):
        assert name in text
        assert len(codes) == 1


def test_pdf_without_unicode_fonts_still_renders_and_scans(concert, floor, settings, tmp_path):
    # Given the DejaVu fonts are missing (only the Latin-1 core fonts are left)
    settings.BCT_PDF_FONT_DIR = str(tmp_path)
    order = paid_order(floor, 1, names=["Мария — Zoë"])

    # When the PDF is made
    text, codes = pdf_pages(_pdf(order))[0]

    # Then unencodable letters become "?", the rest reads, and the QR code still scans
    assert "????? - Zoë" in text
    assert "Canyon Fourth" in text
    assert signing.verify(codes[0], public_key(concert), event_id=concert.pk, now=during(concert))


def test_pdf_keeps_a_very_long_title_and_address_on_one_page(floor):
    event = EventFactory(
        title=("A very long festival name " * 8)[:200],
        venue_address="\n".join(f"Line {n} of a long address" for n in range(10)),
    )
    order = paid_order(TicketTypeFactory(event=event), 2)

    pages = pdf_pages(_pdf(order))

    assert len(pages) == 2
    assert all(len(codes) == 1 for _, codes in pages)


def test_a_reissued_tickets_pdf_carries_the_new_secret_and_the_old_one_is_revoked(concert, floor):
    from blackcanyon.tickets.services import ticket_reissue

    order = paid_order(floor, 1)
    old = tickets_of(order)[0]
    ticket_reissue(actor=None, ticket=old)

    codes = pdf_pages(_pdf(order))[0][1]

    claims = signing.verify(
        codes[0],
        public_key(concert),
        event_id=concert.pk,
        now=during(concert),
        revoked=revoked(concert),
    )
    assert claims.secret != old.secret
    assert old.secret in revoked(concert)


# --- calendar file -------------------------------------------------------------------------------


def test_ics_has_one_event_at_the_right_time_in_the_events_zone(concert, floor):
    order = paid_order(floor, 2)

    calendar = _ics(order)

    events = calendar.walk("VEVENT")
    assert len(events) == 1
    entry = events[0]
    start, end = entry.decoded("DTSTART"), entry.decoded("DTEND")
    assert start == concert.starts_at
    assert end == concert.ends_at
    assert start.utcoffset() == timedelta(hours=-6)
    assert str(entry["DTSTART"].params["TZID"]) == "America/Denver"
    assert start.replace(tzinfo=None) == datetime(2030, 7, 4, 19, 30)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Denver"]


def test_ics_names_the_event_the_venue_and_links_the_order_page(concert, floor):
    order = reload_order(paid_order(floor, 1))

    entry = _ics(order).walk("VEVENT")[0]

    url = access.order_page_url(order)
    assert str(entry["SUMMARY"]) == "Canyon Fourth"
    assert str(entry["LOCATION"]) == "Red Rock Hall, 1 Canyon Road, Moab, UT"
    assert url in str(entry["DESCRIPTION"])
    assert order.code in str(entry["DESCRIPTION"])
    assert "ID check 18+" in str(entry["DESCRIPTION"])
    assert str(entry["URL"]) == url
    assert str(entry["STATUS"]) == "CONFIRMED"


def test_ics_uid_is_stable_per_order_and_differs_between_orders(concert, floor):
    first, second = paid_order(floor, 1), paid_order(floor, 1)

    uid = str(_ics(first).walk("VEVENT")[0]["UID"])

    assert uid == str(_ics(first).walk("VEVENT")[0]["UID"])
    assert uid != str(_ics(second).walk("VEVENT")[0]["UID"])
    assert first.code in uid


def test_ics_of_an_event_in_an_unknown_zone_is_in_utc(floor):
    event = EventFactory(timezone="Not/AZone", starts_at=datetime(2030, 1, 2, 3, 4, tzinfo=UTC))
    event.ends_at = event.starts_at + timedelta(hours=2)
    order = paid_order(TicketTypeFactory(event=event), 1)

    calendar = _ics(order)

    start = calendar.walk("VEVENT")[0].decoded("DTSTART")
    assert start == datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    assert start.utcoffset() == timedelta(0)
    assert calendar.walk("VTIMEZONE") == []


def test_ics_of_a_cancelled_order_is_marked_cancelled(concert, floor):
    order = paid_order(floor, 1)
    services.order_cancel(actor=None, order=order)

    entry = _ics(order).walk("VEVENT")[0]

    assert str(entry["STATUS"]) == "CANCELLED"


def test_ics_keeps_non_ascii_text(floor):
    event = EventFactory(title="Fête de la Musique — Zürich", venue_name="Plätzli; Bühne, 1")
    order = paid_order(TicketTypeFactory(event=event), 1)

    entry = _ics(order).walk("VEVENT")[0]

    assert str(entry["SUMMARY"]) == "Fête de la Musique — Zürich"
    assert str(entry["LOCATION"]).startswith("Plätzli; Bühne, 1")


def test_ics_in_a_zone_east_of_utc(floor):
    event = EventFactory(
        timezone="Asia/Tokyo",
        starts_at=datetime(2030, 12, 31, 10, 0, tzinfo=UTC),
        ends_at=datetime(2030, 12, 31, 15, 0, tzinfo=UTC),
    )
    order = paid_order(TicketTypeFactory(event=event), 1)

    start = _ics(order).walk("VEVENT")[0].decoded("DTSTART")

    assert start.astimezone(ZoneInfo("Asia/Tokyo")).hour == 19
    assert start == event.starts_at
