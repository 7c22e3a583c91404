"""A door to scan at: an organizer with an event starting within the hour (so its tickets are
valid now), two ticket types, paid tickets with their signed QR payloads, a check-in list and a
device token. Rows are created and read in the organizer's tenant context (RLS)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.test import Client
from django.test.utils import CaptureQueriesContext

from blackcanyon.checkin import services
from blackcanyon.checkin.models import CheckInList, Scan, ScannerDevice
from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import Order, Ticket
from blackcanyon.organizers.models import Membership, Organizer, Role
from blackcanyon.tickets import payloads
from tests.factories import EventFactory, MembershipFactory, OrganizerFactory, TicketTypeFactory


@dataclass
class Door:
    organizer: Organizer
    owner: Membership
    event: Event
    general: TicketType
    vip: TicketType
    order: Order
    tickets: list[Ticket]  # 3 general, then 1 VIP
    payload: dict[int, str]  # ticket id → signed QR text
    checkin_list: CheckInList  # "All tickets", no re-entry
    device: ScannerDevice
    device_token: str

    @property
    def device_auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.device_token}"}

    def qr(self, index: int) -> str:
        return self.payload[self.tickets[index].pk]


def make_door(name: str = "Canyon", *, starts_in: timedelta = timedelta(hours=1)) -> Door:
    organizer = OrganizerFactory(name=name, slug=f"{name.lower()}-{uuid.uuid4().hex[:6]}")
    owner = MembershipFactory(organizer=organizer, role=Role.OWNER)
    start = clock.now() + starts_in
    event = EventFactory(
        organizer=organizer,
        status=EventStatus.PUBLISHED,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        minimum_age=18,
    )
    general = TicketTypeFactory(event=event, name="General", capacity=50)
    vip = TicketTypeFactory(event=event, name="VIP", capacity=10)
    order, _ = order_services.order_create_box_office(
        actor=owner.user,
        event=event,
        quantities={general.pk: 3, vip.pk: 1},
        buyer_name="Ana Canyon",
        buyer_email="ana@example.com",
    )
    with tenancy.for_organizer(organizer.pk):
        tickets = list(Ticket.objects.filter(order=order).order_by("id"))
        tickets.sort(key=lambda t: (t.ticket_type_id != general.pk, t.pk))
        signed = payloads.payloads_for(tickets, event)
        (checkin_list,) = services.checkin_lists_ensure_default(event=event)
        device, token = services.scanner_device_create(actor=owner.user, event=event, name="Door 1")
    return Door(
        organizer, owner, event, general, vip, order, tickets, signed, checkin_list, device, token
    )


def scan(door: Door, **fields: Any) -> dict[str, Any]:
    """One scan for the API (entry through the door's list unless told otherwise)."""
    body: dict[str, Any] = {
        "client_scan_id": str(uuid.uuid4()),
        "list_id": door.checkin_list.pk,
        "payload": None,
        "secret": None,
        "direction": "entry",
        "scanned_at": clock.now().isoformat(),
        "gate": "Gate 2",
        "offline": False,
        "client_status": None,
    }
    body.update(fields)
    return body


def post_scans(client: Client, scans: list[dict[str, Any]], **headers: Any) -> Any:
    return client.post(
        "/api/v1/checkins/",
        json.dumps({"scans": scans}),
        content_type="application/json",
        **headers,
    )


def statuses(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["status"] for r in response.json()["results"]]


def stored_scans(door: Door) -> list[Scan]:
    with tenancy.for_organizer(door.organizer.pk):
        return list(Scan.objects.filter(event=door.event).order_by("id"))


def member_client(organizer: Organizer, role: str = Role.SCANNER) -> tuple[Client, Any]:
    membership = MembershipFactory(organizer=organizer, role=role)
    client = Client()
    client.force_login(membership.user)
    return client, membership.user


def count_queries(connection: Any) -> CaptureQueriesContext:
    return CaptureQueriesContext(connection)
