"""Fixtures for the API tests: an organizer with a token and an event on sale, another organizer
with their own, and a client that sends the token. Organizer-owned rows are read back inside
their tenant context so the assertions hold under PostgreSQL row-level security too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from blackcanyon.api import services
from blackcanyon.api.models import ApiToken
from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.orders.models import Order
from blackcanyon.organizers.models import Membership, Organizer, Role
from tests.factories import (
    EventFactory,
    MembershipFactory,
    OrganizerFactory,
    TicketTypeFactory,
    UserFactory,
)


@dataclass
class Seller:
    """An organizer with an owner, a token and a published event with two ticket types."""

    organizer: Organizer
    owner: Membership
    token: ApiToken
    plaintext: str
    event: Event
    floor: TicketType
    balcony: TicketType

    @property
    def auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.plaintext}"}


def make_seller(name: str) -> Seller:
    organizer = OrganizerFactory(name=name, slug=name.lower())
    owner = MembershipFactory(
        organizer=organizer,
        role=Role.OWNER,
        user=UserFactory(email=f"owner@{name.lower()}.example", full_name=f"{name} Owner"),
    )
    token, plaintext = services.api_token_create(
        actor=owner.user, organizer=organizer, name="Box office"
    )
    event = EventFactory(organizer=organizer, status=EventStatus.PUBLISHED, title=f"{name} Live")
    floor = TicketTypeFactory(event=event, name="Floor", price=2500, capacity=10)
    balcony = TicketTypeFactory(event=event, name="Balcony", price=4000, capacity=5)
    return Seller(organizer, owner, token, plaintext, event, floor, balcony)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def seller(db: None) -> Seller:
    return make_seller("Alpha")


@pytest.fixture
def other(db: None) -> Seller:
    return make_seller("Bravo")


class ApiClient:
    """``Client`` that sends a bearer token and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(path, **{**self.headers, **extra})

    def post(self, path: str, data: Any = None, *, raw: str | None = None, **extra: Any) -> Any:
        import json

        body = raw if raw is not None else json.dumps(data)
        return self.client.post(
            path, body, content_type="application/json", **{**self.headers, **extra}
        )


@pytest.fixture
def api(seller: Seller) -> ApiClient:
    return ApiClient(seller.plaintext)


def order_body(*items: tuple[int, int], name: str = "Ana Canyon", email: str = "ana@example.com"):
    return {
        "items": [{"ticket_type_id": tid, "quantity": qty} for tid, qty in items],
        "buyer": {"name": name, "email": email},
        "payment": {"method": "box_office"},
    }


def taken(ticket_type: TicketType) -> int:
    with tenancy.scoped(organizer_id=ticket_type.organizer_id):
        return TicketType.objects.get(pk=ticket_type.pk).taken


def orders_of(organizer: Organizer) -> list[Order]:
    with tenancy.scoped(organizer_id=organizer.pk):
        return list(Order.objects.filter(organizer=organizer).order_by("pk"))


def tokens_of(organizer: Organizer) -> list[ApiToken]:
    with tenancy.scoped(organizer_id=organizer.pk):
        return list(ApiToken.objects.filter(organizer=organizer).order_by("pk"))


def audit_of(organizer: Organizer, action: str) -> list[AuditLog]:
    with tenancy.scoped(organizer_id=organizer.pk):
        return list(AuditLog.objects.filter(organizer=organizer, action=action).order_by("pk"))
