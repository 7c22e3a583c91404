"""Demo data for `make run` / `bct seed-demo`: one organizer, a small team and a few events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from blackcanyon.accounts.models import User
from blackcanyon.core import audit, clock, tenancy
from blackcanyon.events import services as event_services
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import services as order_services
from blackcanyon.organizers import services as organizer_services
from blackcanyon.organizers.models import Membership, Organizer, Role

DEMO_SLUG = "black-canyon-live"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    what: str


# Development-only credentials, printed on purpose; never valid in production (the demo seeder
# refuses to run there).
LOGINS = (
    DemoLogin("owner@demo.blackcanyon.test", "demo-owner-pass", "owner of the demo organizer"),
    DemoLogin("scanner@demo.blackcanyon.test", "demo-scanner-pass", "door staff (scanner role)"),
    DemoLogin("staff@demo.blackcanyon.test", "demo-staff-pass", "platform staff, /admin/"),
)


def demo_exists() -> bool:
    return Organizer.objects.filter(slug=DEMO_SLUG).exists()


def _user(login: DemoLogin, *, full_name: str, staff: bool = False) -> User:
    user = User.objects.filter(email=login.email).first()
    if user is None:
        user = User.objects.create_user(
            login.email,
            login.password,
            full_name=full_name,
            email_verified_at=clock.now(),
            is_staff=staff,
            is_superuser=staff,
        )
    return user


@dataclass(frozen=True)
class DemoTicketType:
    name: str
    price: int  # minor units (USD cents)
    capacity: int
    sold: int = 0
    description: str = ""
    max_per_order: int = 10
    sales_open_in_days: int | None = None


@dataclass(frozen=True)
class DemoEvent:
    title: str
    in_days: int
    hour_utc: int
    description: str
    venue_name: str
    venue_address: str = ""
    capacity: int | None = None
    minimum_age: int | None = None
    ticket_types: tuple[DemoTicketType, ...] = ()
    publish: bool = True


DEMO_TIMEZONE = "America/Denver"
EVENTS = (
    DemoEvent(
        title="Canyon Sunset Concert",
        in_days=10,
        hour_utc=2,
        description=(
            "An open-air evening on the canyon rim with **The Red Rock Quartet**.\n\n"
            "- Doors open one hour before the show\n- Bring a warm layer: it gets cold after dark"
        ),
        venue_name="Rim Amphitheater",
        venue_address="1 Canyon Rim Road\nMoab, UT 84532",
        minimum_age=21,
        ticket_types=(
            DemoTicketType("General admission", price=3500, capacity=200, sold=120),
            DemoTicketType(
                "VIP rim seats",
                price=9000,
                capacity=20,
                sold=18,  # nearly sold out
                description="Front rows with a view of the sunset.",
                max_per_order=4,
            ),
        ),
    ),
    DemoEvent(
        title="Desert Jazz Night",
        in_days=21,
        hour_utc=3,
        description="Three sets of late-night jazz under the desert sky.",
        venue_name="The Slickrock Club",
        venue_address="200 Main Street\nMoab, UT 84532",
        capacity=150,
        ticket_types=(
            DemoTicketType("Early bird", price=2000, capacity=40, sold=40),  # sold out
            DemoTicketType("Standard", price=2800, capacity=110),
        ),
    ),
    DemoEvent(
        title="Stargazing Workshop",
        in_days=45,
        hour_utc=4,
        description="Learn the night sky with a park ranger. Telescopes provided.",
        venue_name="Island in the Sky Visitor Center",
        venue_address="Grand View Point Road\nMoab, UT 84532",
        ticket_types=(DemoTicketType("Workshop seat", price=0, capacity=30, sales_open_in_days=7),),
    ),
    DemoEvent(
        title="Winter Gala",
        in_days=90,
        hour_utc=3,
        description="Still being planned: a draft only the team can see.",
        venue_name="Canyon Lodge",
        publish=False,
    ),
)


BUYER_NAMES = ("Avery Stone", "Jordan Mesa", "Riley Arches", "Casey Rimrock", "Morgan Sage")


def _sell(*, owner: User, ticket_type: TicketType, seats: int) -> None:
    """Real box-office orders (as many as the per-order maximum requires) for the demo's sales."""
    event = Event.objects.get(pk=ticket_type.event_id)
    number = 0
    while seats > 0:
        quantity = min(seats, ticket_type.max_per_order)
        name = BUYER_NAMES[number % len(BUYER_NAMES)]
        order_services.order_create_box_office(
            actor=owner,
            event=event,
            quantities={ticket_type.pk: quantity},
            buyer_name=name,
            buyer_email=f"buyer{ticket_type.pk}-{number}@demo.blackcanyon.test",
        )
        seats -= quantity
        number += 1


def seed_demo() -> Organizer:
    """Create the demo organizer, team and events. Idempotent per organizer slug."""
    existing = Organizer.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        owner = _user(LOGINS[0], full_name="Dana Rivers")
        scanner = _user(LOGINS[1], full_name="Sam Door")
        staff = _user(LOGINS[2], full_name="Pat Platform", staff=True)
        organizer = organizer_services.organizer_create(
            actor=owner,
            name="Black Canyon Live",
            slug=DEMO_SLUG,
            contact_email="hello@demo.blackcanyon.test",
            country="US",
            default_currency="USD",
            timezone="America/Denver",
        )
        with tenancy.scoped(organizer_id=organizer.pk, user_id=owner.pk):
            Membership.objects.create(organizer=organizer, user=scanner, role=Role.SCANNER)
            _seed_events(owner=owner, organizer=organizer)
            audit.record(
                actor=staff,
                action="core.demo.seeded",
                organizer=organizer,
                obj=organizer,
                data={"user_ids": [owner.pk, scanner.pk, staff.pk]},
            )
    return organizer


def _starts_ends(spec: DemoEvent) -> tuple[datetime, datetime]:
    start = (clock.now() + timedelta(days=spec.in_days)).replace(
        hour=spec.hour_utc, minute=0, second=0, microsecond=0
    )
    return start, start + timedelta(hours=3)


def _seed_event(*, owner: User, organizer: Organizer, spec: DemoEvent) -> None:
    starts_at, ends_at = _starts_ends(spec)
    event = event_services.event_create(
        actor=owner,
        organizer=organizer,
        title=spec.title,
        timezone=DEMO_TIMEZONE,
        starts_at=starts_at,
        ends_at=ends_at,
        description=spec.description,
        venue_name=spec.venue_name,
        venue_address=spec.venue_address,
        capacity=spec.capacity,
        minimum_age=spec.minimum_age,
    )
    created = [
        (
            event_services.ticket_type_create(
                actor=owner,
                event=event,
                name=tt.name,
                description=tt.description,
                price=tt.price,
                capacity=tt.capacity,
                max_per_order=tt.max_per_order,
                sales_start=(
                    None
                    if tt.sales_open_in_days is None
                    else clock.now() + timedelta(days=tt.sales_open_in_days)
                ),
            ),
            tt.sold,
        )
        for tt in spec.ticket_types
    ]
    if spec.publish:
        event_services.event_publish(actor=owner, event=event)
    for ticket_type, sold in created:
        if sold:
            _sell(owner=owner, ticket_type=ticket_type, seats=sold)


DEMO_CODE = "CANYON10"


def _seed_events(*, owner: User, organizer: Organizer) -> None:
    for spec in EVENTS:
        _seed_event(owner=owner, organizer=organizer, spec=spec)
    # A 10 % code to try at checkout on the first event.
    order_services.discount_code_create(
        actor=owner,
        event=Event.objects.get(organizer=organizer, title=EVENTS[0].title),
        code=DEMO_CODE,
        kind="percent",
        value=10,
    )
