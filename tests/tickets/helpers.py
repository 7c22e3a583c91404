"""Helpers for the tickets tests: paid orders made through the real services, reads in the
organizer's tenant context (so they hold under PostgreSQL row-level security), and decoding what
a buyer gets (QR codes in PDFs and screenshots)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pypdfium2
import zxingcpp
from PIL import Image

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import services
from blackcanyon.orders.models import Order, Ticket
from blackcanyon.tickets import keys
from blackcanyon.tickets.models import RevokedSecret


def paid_order(
    ticket_type: TicketType,
    quantity: int = 1,
    *,
    names: list[str] | None = None,
    email: str = "ana@example.com",
) -> Order:
    """A paid order of ``quantity`` tickets for attendees ``names`` (default Guest 1, 2, ...)."""
    order = services.reservation_create(
        event=ticket_type.event, quantities={ticket_type.pk: quantity}
    )
    if names is None:
        names = [f"Guest {n}" for n in range(1, quantity + 1)]
    with tenancy.scoped(organizer_id=order.organizer_id):
        line = order.lines.get()
    attendee_names = {line.pk: names}
    order = services.order_submit_details(
        order=order,
        buyer_name="Ana Canyon",
        buyer_email=email,
        accept_terms=True,
        attendee_names=attendee_names,
    )
    return services.order_confirm_payment(
        order=order, provider="test", reference=f"t-{order.code}", amount=order.total
    )


def reload_order(order: Order) -> Order:
    with tenancy.scoped(organizer_id=order.organizer_id):
        return Order.objects.select_related("event__organizer").get(pk=order.pk)


def tickets_of(order: Order) -> list[Ticket]:
    with tenancy.scoped(organizer_id=order.organizer_id):
        return list(Ticket.objects.filter(order=order).select_related("ticket_type").order_by("pk"))


def revoked(event: Event) -> dict[str, str]:
    """``{secret: reason}`` of the event's revocation list."""
    with tenancy.scoped(organizer_id=event.organizer_id):
        return dict(RevokedSecret.objects.filter(event=event).values_list("secret", "reason"))


def public_key(event: Event) -> Any:
    with tenancy.scoped(organizer_id=event.organizer_id):
        return keys.public_key(keys.event_key(event))


def during(event: Event) -> datetime:
    """A moment the event's tickets admit (its start)."""
    return event.starts_at.astimezone(UTC)


# What the door scanner decodes (its BarcodeDetector asks for qr_code only). Reading every
# format also finds spurious short 1D "codes" in some QR images.
QR_ONLY = zxingcpp.BarcodeFormat.QRCode


def decode_qr_codes(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image, formats=QR_ONLY)]


def pdf_pages(pdf: bytes) -> list[tuple[str, list[str]]]:
    """``(text, QR payloads)`` of each page, rendered at 144 dpi."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for page in document:
        text = page.get_textpage().get_text_range()
        image = page.render(scale=2).to_pil()
        pages.append((" ".join(text.split()), decode_qr_codes(image)))
    return pages


def png_qr_codes(png: bytes) -> list[str]:
    return decode_qr_codes(Image.open(io.BytesIO(png)))


def page_text(response: Any) -> str:
    """The response body as a reader sees it: tags removed, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(span|strong|em|a|time|abbr)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
