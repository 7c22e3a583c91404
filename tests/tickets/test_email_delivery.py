"""The confirmation email through a real SMTP server (aiosmtpd on 127.0.0.1): what the buyer's
mail server receives parses, its PDF's QR code decodes (zxing-cpp) to a payload that verifies
with the event's public key, and its calendar file opens. A refusing server gets a retry later;
a rolled-back sale sends nothing."""

from __future__ import annotations

import email
import logging
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pypdfium2
import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.test import override_settings
from icalendar import Calendar

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import TicketType
from blackcanyon.notifications.models import Message, MessageStatus
from blackcanyon.orders.models import Order, Ticket
from blackcanyon.tickets import keys, signing
from tests.factories import EventFactory, TicketTypeFactory
from tests.notifications.helpers import make_retries_due, message_of, sell, tasks
from tests.tickets.helpers import decode_qr_codes

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses recipients with ``refuse``."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.refuse: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server on a free local port, and the default mailer pointed at it."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
    }
    try:
        with override_settings(MAILERS={"default": mailer}):
            yield handler
    finally:
        controller.stop()


@pytest.fixture
def floor(db: None) -> TicketType:
    event = EventFactory(title="Canyon Blues")
    return TicketTypeFactory(event=event, name="Floor", price=2500, capacity=50)


def received(envelope: Any) -> EmailMessage:
    parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    return parsed


def first_page_qr_codes(pdf: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil()
    return decode_qr_codes(image)


def test_the_confirmation_arrives_over_smtp_with_tickets_that_verify(
    inbox: Inbox, floor: TicketType
) -> None:
    # Given a paid box-office order of two tickets
    event = floor.event
    order = sell(floor, quantity=2)

    # When the worker runs
    assert run_pending() == 1

    # Then the SMTP server received one message for the buyer
    (envelope,) = inbox.received
    assert envelope.rcpt_tos == ["ana@example.com"]
    message = received(envelope)
    assert message["Subject"] == f"Your tickets for Canyon Blues — order {order.code}"
    # with a plain-text and an HTML part, both with the order page link
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert order.code in text
    assert f"/{order.code}/" in text
    assert '<html lang="en">' in html
    assert f"/{order.code}/" in html
    # and the PDF and the calendar file attached
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {f"tickets-{order.code}.pdf", f"{event.slug}.ics"}
    pdf_part = attachments[f"tickets-{order.code}.pdf"]
    ics_part = attachments[f"{event.slug}.ics"]
    assert (pdf_part.get_content_type(), ics_part.get_content_type()) == (
        "application/pdf",
        "text/calendar",
    )

    # The PDF has a page per ticket; the first page's QR code verifies with the event's key
    pdf = pdf_part.get_content()
    assert len(pypdfium2.PdfDocument(pdf)) == 2
    (payload,) = first_page_qr_codes(pdf)
    with tenancy.scoped(organizer_id=order.organizer_id):
        public_key = keys.public_key(keys.event_key(event))
        first_ticket = Ticket.objects.filter(order=order).order_by("pk").first()
    assert first_ticket is not None
    claims = signing.verify(payload, public_key, event_id=event.pk, now=event.starts_at)
    assert (claims.ticket_id, claims.secret) == (first_ticket.pk, first_ticket.secret)

    # The calendar file opens with the event
    calendar = Calendar.from_ical(ics_part.get_content())
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Canyon Blues"
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)

    # And the message is recorded sent, under the Message-ID the server received
    tracked = message_of(order)
    assert (tracked.status, tracked.attempts) == (MessageStatus.SENT, 1)
    assert tracked.provider_message_id == message["Message-ID"]


def test_a_refusing_server_gets_a_retry_later_then_the_email_goes_out(
    inbox: Inbox, floor: TicketType
) -> None:
    # Given the buyer's mail server refuses for now
    inbox.refuse = "451 4.3.0 Mailbox temporarily unavailable, try again later"
    order = sell(floor)

    # When the worker runs
    started = clock.now()
    run_pending()

    # Then nothing was delivered; the attempt and error are recorded and a retry is queued later
    assert inbox.received == []
    tracked = message_of(order)
    assert (tracked.status, tracked.attempts) == (MessageStatus.QUEUED, 1)
    assert "451" in tracked.last_error
    assert "SMTPRecipientsRefused" in tracked.last_error
    (retry,) = [t for t in tasks() if t.status == "READY"]
    assert retry.run_after >= started + timedelta(seconds=50)
    assert run_pending() == 0  # not due yet

    # When the server accepts mail again and the retry is due
    inbox.refuse = None
    make_retries_due()
    run_pending()

    # Then the email arrives once and the message is sent on its second attempt
    assert len(inbox.received) == 1
    tracked = message_of(order)
    assert (tracked.status, tracked.attempts, tracked.last_error) == (MessageStatus.SENT, 2, "")


def test_a_rolled_back_sale_leaves_no_message_and_no_task(inbox: Inbox, floor: TicketType) -> None:
    # When the transaction around a paid sale rolls back (after the email was queued in it)
    def sale_then_failure() -> None:
        with transaction.atomic():
            sell(floor)
            raise RuntimeError("something later in the same transaction failed")

    with pytest.raises(RuntimeError):
        sale_then_failure()

    # Then there is no order, no message and no task; the worker sends nothing
    with tenancy.scoped(organizer_id=floor.organizer_id):
        assert Order.objects.count() == 0
        assert Message.objects.count() == 0
    assert tasks() == []
    assert run_pending() == 0
    assert inbox.received == []
