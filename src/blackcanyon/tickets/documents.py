"""The files a buyer keeps: the tickets as a PDF (one A4 page per ticket) and a calendar file.

Both are pure renderings of rows the caller already holds; nothing is written. **Call them in the
event's organizer tenant context** (``tenancy.scoped(organizer_id=order.organizer_id)``): the PDF
signs each ticket's QR payload with the event key, an organizer-owned row (RLS).

This module loads fpdf2 and icalendar (tens of MB): import it where a file is made (the email
task, the download views), never at module level of code the web process loads at start-up.

The PDF prints well in black and white (no colour fills, black text and lines on white) and uses
DejaVu (Unicode) when installed — Debian's ``fonts-dejavu-core`` — so names in any script
supported by the font render. Without it, the PDF core fonts (Latin-1 only) are used and
characters they cannot show become ``?`` instead of failing.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from blackcanyon.core import clock
from blackcanyon.core.timezones import zone
from blackcanyon.events.models import Event, EventStatus
from blackcanyon.orders.access import order_page_url
from blackcanyon.orders.models import Order, OrderStatus, Ticket, TicketStatus
from blackcanyon.tickets import payloads
from blackcanyon.tickets.labels import (
    event_when_text,
    id_check_label,
    manual_entry_code,
    venue_lines,
)

# fontTools logs every step of subsetting a font at INFO: dozens of lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT_FILES = {
    ("BctSans", ""): "DejaVuSans.ttf",
    ("BctSans", "B"): "DejaVuSans-Bold.ttf",
    ("BctMono", "B"): "DejaVuSansMono-Bold.ttf",
}
PRODUCT = "Black Canyon Tickets"
PRODID = "-//Black Canyon Tickets//Tickets//EN"

# A4 in millimetres and the page layout.
PAGE_W = 210.0
PAGE_H = 297.0
MARGIN = 18.0
TEXT_W = PAGE_W - 2 * MARGIN
QR_SIZE = 100.0
QR_SCALE = 10  # PNG pixels per module: crisp when printed at QR_SIZE
# Stand-ins for common punctuation the Latin-1 core fonts lack (used only without DejaVu).
_LATIN1_STANDINS = str.maketrans(
    {
        "\N{EN DASH}": "-",
        "\N{EM DASH}": "-",
        "\N{HORIZONTAL ELLIPSIS}": "...",
        "\N{LEFT SINGLE QUOTATION MARK}": "'",
        "\N{RIGHT SINGLE QUOTATION MARK}": "'",
        "\N{LEFT DOUBLE QUOTATION MARK}": '"',
        "\N{RIGHT DOUBLE QUOTATION MARK}": '"',
    }
)


# --- PDF ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fonts:
    sans: str
    mono: str
    unicode: bool


def _font_dir() -> Path:
    return Path(getattr(settings, "BCT_PDF_FONT_DIR", DEJAVU_DIR))


def _setup_fonts(pdf: FPDF) -> _Fonts:
    directory = _font_dir()
    paths = {key: directory / name for key, name in _FONT_FILES.items()}
    if all(path.is_file() for path in paths.values()):
        try:
            for (family, style), path in paths.items():
                pdf.add_font(family, style, str(path))
        except Exception:  # a broken font file must not stop the tickets
            return _Fonts("Helvetica", "Courier", unicode=False)
        return _Fonts("BctSans", "BctMono", unicode=True)
    return _Fonts("Helvetica", "Courier", unicode=False)


class _TicketPdf:
    """One A4 page per ticket, laid out top to bottom (no automatic page breaks)."""

    def __init__(self, *, order: Order, event: Event) -> None:
        self.order = order
        self.event = event
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.fonts = _setup_fonts(self.pdf)
        self.pdf.set_title(self.text(f"Tickets - {event.title} - order {order.code}"))
        self.pdf.set_author(self.text(event.organizer.name))
        self.pdf.set_creator(PRODUCT)
        self.pdf.set_lang("en")
        self.pdf.set_text_color(0)
        self.pdf.set_draw_color(0)

    def text(self, value: str) -> str:
        value = " ".join(str(value).split())
        if self.fonts.unicode:
            return value
        value = value.translate(_LATIN1_STANDINS)
        return value.encode("latin-1", "replace").decode("latin-1")

    def fit(self, value: str, width: float) -> str:
        """``value`` cut (with an ellipsis) to fit ``width`` in the current font."""
        value = self.text(value)
        if self.pdf.get_string_width(value) <= width:
            return value
        ellipsis = "…" if self.fonts.unicode else "..."
        while value and self.pdf.get_string_width(value + ellipsis) > width:
            value = value[:-1]
        return value.rstrip() + ellipsis

    def font(self, size: float, *, bold: bool = False, mono: bool = False) -> None:
        family = self.fonts.mono if mono else self.fonts.sans
        # DejaVu Sans Mono is registered in bold only; the core Courier has both.
        style = "B" if bold or (mono and self.fonts.unicode) else ""
        self.pdf.set_font(family, style, size)

    def lines(
        self,
        value: str,
        *,
        size: float,
        height: float,
        bold: bool = False,
        max_lines: int = 3,
        align: Align = Align.L,
    ) -> None:
        """``value`` wrapped to the text width, clipped to ``max_lines`` (one page per ticket)."""
        self.font(size, bold=bold)
        wrapped = self.pdf.multi_cell(
            TEXT_W, height, self.text(value), dry_run=True, output="LINES"
        )
        shown = [str(line) for line in wrapped] if isinstance(wrapped, list) else [value]
        if len(shown) > max_lines:
            shown = shown[:max_lines]
            shown[-1] = self.fit(shown[-1] + " …", TEXT_W)
        for line in shown:
            self.pdf.set_x(MARGIN)
            self.pdf.cell(TEXT_W, height, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def page(self, ticket: Ticket, payload: str, number: int, count: int) -> None:
        pdf, event = self.pdf, self.event
        pdf.add_page()
        pdf.set_xy(MARGIN, MARGIN)
        self.lines(f"{event.organizer.name} presents", size=10, height=5, max_lines=1)
        pdf.ln(1)
        self.lines(event.title, size=22, height=9.5, bold=True, max_lines=3)
        pdf.ln(1.5)
        self.lines(event_when_text(event), size=12, height=6, max_lines=2)
        venue = venue_lines(event)
        if venue:
            self.lines(venue[0], size=12, height=6, bold=True, max_lines=1)
            if len(venue) > 1:
                self.lines(", ".join(venue[1:]), size=10, height=5, max_lines=2)
        pdf.ln(3)
        pdf.set_line_width(0.4)
        pdf.line(MARGIN, pdf.get_y(), PAGE_W - MARGIN, pdf.get_y())
        top = pdf.get_y() + 5
        pdf.image(
            io.BytesIO(payloads.qr_png(payload, scale=QR_SCALE)),
            x=(PAGE_W - QR_SIZE) / 2,
            y=top,
            w=QR_SIZE,
            h=QR_SIZE,
            alt_text=f"QR code of ticket {number} of {count}",
        )
        pdf.set_xy(MARGIN, top + QR_SIZE + 2)
        self.lines("Manual entry code", size=9, height=5, align=Align.C, max_lines=1)
        self.font(18, mono=True)
        pdf.cell(
            TEXT_W,
            9,
            manual_entry_code(ticket.secret),
            align=Align.C,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(4)
        self._details(ticket, number, count)
        self._footer()

    def _details(self, ticket: Ticket, number: int, count: int) -> None:
        pdf = self.pdf
        rows = [
            ("Attendee", ticket.attendee_name or self.order.buyer_name or "-"),
            ("Ticket type", ticket.ticket_type.name),
            ("Order code", self.order.code),
            ("Ticket", f"{number} of {count}"),
        ]
        for label, value in rows:
            pdf.set_x(MARGIN)
            self.font(10)
            pdf.cell(38, 7, label)
            self.font(13, bold=True)
            pdf.cell(
                TEXT_W - 38,
                7,
                self.fit(value, TEXT_W - 40),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        label = id_check_label(self.event)
        if label:
            pdf.ln(3)
            pdf.set_x(MARGIN)
            self.font(14, bold=True)
            pdf.set_line_width(0.8)
            pdf.cell(
                pdf.get_string_width(label) + 10,
                10,
                label,
                border=1,
                align=Align.C,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )

    def _footer(self) -> None:
        pdf = self.pdf
        pdf.set_line_width(0.2)
        pdf.line(MARGIN, PAGE_H - 30, PAGE_W - MARGIN, PAGE_H - 30)
        pdf.set_xy(MARGIN, PAGE_H - 27)
        self.lines(
            "This ticket admits one person. Keep it private: anyone with this QR code can use "
            "it. If it is cancelled or re-issued, this copy stops working.",
            size=9,
            height=4.5,
            max_lines=3,
        )
        self.lines(f"{PRODUCT} - order {self.order.code}", size=8, height=4.5, max_lines=1)

    def empty_page(self) -> None:
        self.pdf.add_page()
        self.pdf.set_xy(MARGIN, MARGIN)
        self.lines(self.event.title, size=22, height=9.5, bold=True)
        self.lines(f"Order {self.order.code} has no valid tickets.", size=12, height=7)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def order_pdf(*, order: Order, tickets: Sequence[Ticket], event: Event) -> bytes:
    """The order's valid tickets as a PDF, one A4 page each: large QR code (signed payload),
    event, local date and time, venue, attendee, ticket type, order code, manual-entry code and
    the "ID check N+" notice when the event has a minimum age.

    Cancelled tickets are left out (a PDF never carries a QR code that no longer admits); with no
    valid ticket the PDF is one page saying so. Call in the organizer's tenant context; pass the
    tickets with their ``ticket_type`` selected to avoid one query per page.
    """
    valid = [t for t in tickets if t.status == TicketStatus.VALID]
    document = _TicketPdf(order=order, event=event)
    if not valid:
        document.empty_page()
        return document.output()
    signed = payloads.payloads_for(valid, event)
    for number, ticket in enumerate(valid, start=1):
        document.page(ticket, signed[ticket.pk], number, len(valid))
    return document.output()


# --- calendar file -------------------------------------------------------------------------------


def _uid(order: Order, event: Event) -> str:
    host = urlparse(settings.PUBLIC_APP_URL).hostname or "blackcanyon.invalid"
    return f"order-{order.code}-event-{event.pk}@{host}"


def order_ics(*, order: Order, event: Event) -> bytes:
    """An iCalendar file (RFC 5545) with one VEVENT for the order's event: stable UID per order
    and event (re-importing updates the entry), start and end in the event's time zone (with its
    VTIMEZONE) or UTC, title, venue, a description with the order page link, and ``URL``.

    A cancelled event, or a cancelled or refunded order, is marked ``STATUS:CANCELLED``.
    """
    tz = zone(event.timezone)
    page = order_page_url(order)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", _uid(order, event))
    entry.add("dtstamp", clock.now().astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(tz or UTC))
    entry.add("dtend", event.ends_at.astimezone(tz or UTC))
    entry.add("summary", event.title)
    venue = venue_lines(event)
    if venue:
        entry.add("location", ", ".join(venue))
    description = [f"Order {order.code} - {event.organizer.name}", f"Your tickets: {page}"]
    label = id_check_label(event)
    if label:
        description.append(f"{label}: bring a photo ID.")
    entry.add("description", "\n".join(description))
    entry.add("url", page)
    cancelled = event.status == EventStatus.CANCELLED or order.status in {
        OrderStatus.CANCELLED,
        OrderStatus.REFUNDED,
    }
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    entry.add("transp", "OPAQUE")
    calendar.add_component(entry)
    if tz is not None:
        calendar.add_missing_timezones(
            first_date=_year_start(event.starts_at - timedelta(days=366)),
            last_date=_year_start(event.ends_at + timedelta(days=366)),
        )
    return bytes(calendar.to_ical())


def _year_start(value: datetime) -> date:
    return date(value.year, 1, 1)
