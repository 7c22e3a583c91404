"""Order emails: tracked (``notifications.Message``), sent by the worker after the order's
transaction commits, retried with backoff on failure (docs/email.md).

The confirmation carries the tickets: a PDF (one page per ticket with its signed QR code) and
an .ics calendar file. The cancellation has no attachments.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string

from blackcanyon.core import tenancy
from blackcanyon.notifications.delivery import message_deliver, message_id_headers, message_queue
from blackcanyon.notifications.errors import Undeliverable
from blackcanyon.notifications.models import Message, MessageKind
from blackcanyon.orders.access import order_page_url
from blackcanyon.orders.models import Order, TicketStatus

# enqueue_order_email's ``kind`` → the message kind; the templates are email/<message kind>*.
KINDS = {
    "confirmation": MessageKind.ORDER_CONFIRMATION,
    "cancelled": MessageKind.ORDER_CANCELLED,
}


def enqueue_order_email(*, order: Order, kind: str) -> None:
    """Record the email (queued) and enqueue its task, inside the order's transaction: a
    rolled-back change leaves neither, a committed one always has both. No buyer email: none."""
    if not order.buyer_email:
        return
    # No savepoint inside the order's transaction (this runs on every sale): an error here
    # fails the order's transaction as a whole.
    with transaction.atomic(savepoint=False):
        message = message_queue(
            organizer_id=order.organizer_id,
            order=order,
            kind=KINDS[kind],
            to_email=order.buyer_email,
        )
        send_order_email.enqueue(organizer_id=order.organizer_id, message_id=message.pk)


@task()
def send_order_email(*, organizer_id: int, message_id: int) -> str:
    """Send one tracked order email; returns the outcome (sent, retry, failed, skipped ...)."""
    with tenancy.scoped(organizer_id=organizer_id):
        return message_deliver(message_id=message_id, compose=compose, requeue=_requeue)


def _requeue(message: Message, run_after: datetime) -> None:
    send_order_email.using(run_after=run_after).enqueue(
        organizer_id=message.organizer_id, message_id=message.pk
    )


def compose(message: Message) -> EmailMessage:
    """The email of an order message: text and HTML parts, the order-page link and, for a
    confirmation, the tickets PDF and the .ics file. Raises Undeliverable if the order is gone."""
    order = (
        Order.objects.select_related("event", "event__organizer", "discount_code")
        .filter(pk=message.order_id)
        .first()
        if message.order_id is not None
        else None
    )
    if order is None:
        raise Undeliverable("The order of this email no longer exists.")
    event, organizer = order.event, order.event.organizer
    tickets = list(
        order.tickets.filter(status=TicketStatus.VALID).select_related("ticket_type").order_by("pk")
    )
    template = f"email/{message.kind}"
    context = {
        "order": order,
        "event": event,
        "organizer": organizer,
        "lines": list(order.lines.select_related("ticket_type")),
        "tickets": tickets,
        "order_url": order_page_url(order),
        "PUBLIC_APP_URL": settings.PUBLIC_APP_URL,
    }
    subject = render_to_string(f"{template}_subject.txt", context)
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"{template}.txt", context),
        to=[message.to_email],
        reply_to=[organizer.contact_email] if organizer.contact_email else [],
        headers=message_id_headers(message),
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if message.kind == MessageKind.ORDER_CONFIRMATION and tickets:
        from blackcanyon.tickets import documents  # fpdf2: loaded only when used

        pdf = documents.order_pdf(order=order, tickets=tickets, event=event)
        email.attach(f"tickets-{order.code}.pdf", pdf, "application/pdf")
        ics = documents.order_ics(order=order, event=event)
        email.attach(f"{event.slug}.ics", ics, "text/calendar")
    return email
