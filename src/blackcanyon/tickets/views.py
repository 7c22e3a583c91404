"""The buyer's ticket downloads (PDF, calendar file), reached with the order page's signed link
(``orders.access``), and the ticket part of the order page. Thin: check the link, read, render.

Both files are personal (the PDF admits its holder): never cached, always downloaded.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from blackcanyon.core import ratelimit
from blackcanyon.orders import access
from blackcanyon.orders.models import Order, OrderStatus
from blackcanyon.orders.views.headers import private_page
from blackcanyon.tickets import errors, selectors

# PDF renderings per client address: each signs and draws every ticket of the order.
PDF_LIMIT = 30
PDF_WINDOW = 10 * 60


def _link_kwargs(order: Order) -> dict[str, str]:
    return {
        "organizer_slug": order.event.organizer.slug,
        "code": order.code,
        "token": access.token_for(order),
    }


def download_urls(order: Order) -> dict[str, str]:
    """The order's download links (same signed token as its order page)."""
    kwargs = _link_kwargs(order)
    return {
        "pdf_url": reverse("tickets:order_pdf", kwargs=kwargs),
        "ics_url": reverse("tickets:order_ics", kwargs=kwargs),
    }


def order_page_tickets(order: Order) -> dict[str, Any]:
    """Context for the ticket cards and download links of the buyer's order page. Call after
    ``access.order_from_link`` (it activates the organizer's tenant context)."""
    tickets = selectors.order_tickets(order=order)
    return {
        "ticket_cards": selectors.ticket_cards(order=order, tickets=tickets, event=order.event),
        "can_download_pdf": order.status == OrderStatus.PAID,
        **download_urls(order),
    }


def _attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _name(order: Order, extension: str) -> str:
    stem = slugify(order.event.title)[:60] or "event"
    return f"{stem}-{order.code}.{extension}"


@require_GET
@private_page
def order_pdf(request: HttpRequest, organizer_slug: str, code: str, token: str) -> HttpResponse:
    """The paid order's tickets as a PDF (404 for a wrong link or an order without tickets)."""
    order = access.order_from_link(organizer_slug=organizer_slug, code=code, token=token)
    if order.status != OrderStatus.PAID:
        raise errors.TicketsNotAvailable()
    limit = int(getattr(settings, "BCT_TICKET_PDF_LIMIT", PDF_LIMIT))
    ratelimit.hit(
        scope="ticket_pdf", identity=ratelimit.client_ip(request), limit=limit, window=PDF_WINDOW
    )
    tickets = selectors.order_tickets(order=order)
    from blackcanyon.tickets import documents  # fpdf2: loaded only when used

    pdf = documents.order_pdf(order=order, tickets=tickets, event=order.event)
    return _attachment(pdf, content_type="application/pdf", filename=_name(order, "pdf"))


@require_GET
@private_page
def order_ics(request: HttpRequest, organizer_slug: str, code: str, token: str) -> HttpResponse:
    """The order's event as an iCalendar file (any order status; 404 for a wrong link)."""
    order = access.order_from_link(organizer_slug=organizer_slug, code=code, token=token)
    from blackcanyon.tickets import documents  # fpdf2: loaded only when used

    ics = documents.order_ics(order=order, event=order.event)
    return _attachment(
        ics, content_type="text/calendar; charset=utf-8", filename=_name(order, "ics")
    )
