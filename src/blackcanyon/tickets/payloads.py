"""A ticket's signed QR payload and its QR code (SVG for pages, PNG for PDFs and emails).

Signatures are deterministic (Ed25519), so a ticket's payload is a pure function of the ticket,
its event's dates and the event key: rendering it again gives the same QR code. Call in the
event's organizer context (the key row is organizer-owned).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from blackcanyon.events.models import Event
from blackcanyon.orders.models import Ticket
from blackcanyon.tickets import keys, signing


def ticket_claims(ticket: Ticket, event: Event) -> signing.TicketClaims:
    valid_from, valid_until = signing.validity(starts_at=event.starts_at, ends_at=event.ends_at)
    return signing.TicketClaims(
        event_id=event.pk,
        ticket_id=ticket.pk,
        ticket_type_id=ticket.ticket_type_id,
        valid_from=valid_from,
        valid_until=valid_until,
        secret=ticket.secret,
    )


def payloads_for(tickets: Iterable[Ticket], event: Event) -> dict[int, str]:
    """``{ticket id: payload}`` for tickets of one event (the key is decrypted once)."""
    private = keys.private_key(keys.event_key(event))
    return {t.pk: signing.sign(ticket_claims(t, event), private) for t in tickets}


def ticket_payload(ticket: Ticket, event: Event) -> str:
    return payloads_for([ticket], event)[ticket.pk]


def qr_svg(payload: str, *, scale: int = 4) -> str:
    """An inline SVG (no XML declaration), black on white with the 4-module quiet zone; it has a
    ``viewBox``, so CSS may scale it."""
    # segno writes SVG as bytes into a file object: ``svg_inline`` returns the text.
    import segno  # loaded on first use

    return str(
        segno.make(payload, error="m").svg_inline(
            scale=scale,
            border=4,
            unit="px",
            title="Ticket QR code",
            svgclass="qr",
            lineclass=None,
            dark="#000",
            light="#fff",
        )
    )


def qr_png(payload: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    import segno  # loaded on first use

    segno.make(payload, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
