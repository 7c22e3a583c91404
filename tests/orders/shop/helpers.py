"""Helpers for the shop tests: what a buyer sees and does, and reads in the organizer's context
(so they read the same on SQLite and under PostgreSQL row-level security)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape
from typing import Any

from django.test import Client
from django.urls import reverse

from blackcanyon.core import tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import access, services
from blackcanyon.orders.models import Order


def text(response: Any) -> str:
    """The response body as a reader sees it: tags removed, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    # Inline tags join their words ("(<span>15 minutes</span>)"); block tags separate them.
    html = re.sub(r"</?(span|strong|em|a|time|abbr)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def event_url(event: Event) -> str:
    return reverse(
        "orders:event_page",
        kwargs={"organizer_slug": event.organizer.slug, "event_slug": event.slug},
    )


def reserve(
    client: Client, event: Event, quantities: Mapping[TicketType, int], code: str = ""
) -> Any:
    data = {f"qty_{t.pk}": str(n) for t, n in quantities.items()}
    data["code"] = code
    data["reserve"] = "1"
    return client.post(event_url(event), data)


def selected(response: Any, ticket_type: TicketType) -> str | None:
    """The quantity shown as selected in the ticket type's select (None: no select)."""
    html = response.content.decode()
    match = re.search(rf'<select name="qty_{ticket_type.pk}"[^>]*>(.*?)</select>', html, flags=re.S)
    if match is None:
        return None
    chosen = re.search(r'<option value="(\d+)"[^>]*selected', match.group(1))
    return chosen.group(1) if chosen else None


def options(response: Any, ticket_type: TicketType) -> list[str]:
    html = response.content.decode()
    match = re.search(rf'<select name="qty_{ticket_type.pk}"[^>]*>(.*?)</select>', html, flags=re.S)
    return re.findall(r'<option value="(\d+)"', match.group(1)) if match else []


def code_value(response: Any) -> str:
    match = re.search(
        r'<input type="text" name="code"[^>]*value="([^"]*)"', response.content.decode()
    )
    return match.group(1) if match else ""


def order_from(response: Any, event: Event) -> Order:
    """The order a checkout / order page redirect points at."""
    code = response["Location"].rstrip("/").split("/")[-2]
    return load(event, code)


def load(event: Event, code: str) -> Order:
    with tenancy.for_organizer(event.organizer_id):
        return (
            Order.objects.select_related("event__organizer")
            .prefetch_related("lines", "tickets", "payment_attempts")
            .get(code=code)
        )


def checkout_url(order: Order) -> str:
    return access.checkout_path(order)


def order_url(order: Order) -> str:
    return access.order_page_path(order)


def details(order: Order, **overrides: Any) -> dict[str, str]:
    data = {"buyer_name": "Ana Canyon", "buyer_email": "ana@example.com", "accept_terms": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def reserved(event: Event, quantities: Mapping[TicketType, int], **kwargs: Any) -> Order:
    """A reservation made through the service (the web path is tested separately)."""
    return services.reservation_create(
        event=event, quantities={t.pk: n for t, n in quantities.items()}, **kwargs
    )
