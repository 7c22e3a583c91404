"""Order emails, sent by the worker after the order's transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string

from blackcanyon.core import tenancy
from blackcanyon.orders.access import order_page_url
from blackcanyon.orders.models import Order

TEMPLATES = {
    "confirmation": "order_confirmation",
    "cancelled": "order_cancelled",
}


@task()
def send_order_email(*, organizer_id: int, order_id: int, kind: str) -> None:
    """Render and send one order email (``kind``: confirmation or cancelled)."""
    template = TEMPLATES[kind]
    with tenancy.scoped(organizer_id=organizer_id):
        order = (
            Order.objects.select_related("event", "event__organizer")
            .prefetch_related("lines", "tickets")
            .get(pk=order_id)
        )
        lines = list(order.lines.select_related("ticket_type"))
        tickets = list(order.tickets.select_related("ticket_type"))
        context = {
            "order": order,
            "event": order.event,
            "organizer": order.event.organizer,
            "lines": lines,
            "tickets": tickets,
            "order_url": order_page_url(order),
            "PUBLIC_APP_URL": settings.PUBLIC_APP_URL,
        }
        subject = render_to_string(f"email/{template}_subject.txt", context)
        text = render_to_string(f"email/{template}.txt", context)
        html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[order.buyer_email],
        reply_to=[order.event.organizer.contact_email],
    )
    message.attach_alternative(html, "text/html")
    message.send()


def enqueue_order_email(*, order: Order, kind: str) -> None:
    """Queue inside the order's transaction: a rolled-back change sends nothing."""
    if order.buyer_email:
        send_order_email.enqueue(organizer_id=order.organizer_id, order_id=order.pk, kind=kind)
