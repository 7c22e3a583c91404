"""Demo data for `make run` / `bct seed-demo`: one organizer, a small team and a few events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from blackcanyon.accounts.models import User
from blackcanyon.core import audit, clock, tenancy
from blackcanyon.events import services as event_services
from blackcanyon.events.models import TicketType
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


def _take(ticket_type: TicketType, seats: int) -> None:
    # Stand-in for sales until checkout exists: the same conditional update orders will use.
    TicketType.objects.filter(pk=ticket_type.pk, taken__lte=ticket_type.capacity - seats).update(
        taken=seats
    )


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
                data={"logins": [login.email for login in LOGINS]},
            )
    return organizer


def _at(days: int, hour: int) -> tuple:
    start = (clock.now() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return start, start + timedelta(hours=3)


def _seed_events(*, owner: User, organizer: Organizer) -> None:
    tz = "America/Denver"
    start, end = _at(10, 2)
    sunset = event_services.event_create(
        actor=owner,
        organizer=organizer,
        title="Canyon Sunset Concert",
        timezone=tz,
        starts_at=start,
        ends_at=end,
        description=(
            "An open-air evening on the canyon rim with **The Red Rock Quartet**.\n\n"
            "- Doors open one hour before the show\n- Bring a warm layer: it gets cold after dark"
        ),
        venue_name="Rim Amphitheater",
        venue_address="1 Canyon Rim Road\nMoab, UT 84532",
        minimum_age=21,
    )
    general = event_services.ticket_type_create(
        actor=owner, event=sunset, name="General admission", price=3500, capacity=200
    )
    vip = event_services.ticket_type_create(
        actor=owner,
        event=sunset,
        name="VIP rim seats",
        description="Front rows with a view of the sunset.",
        price=9000,
        capacity=20,
        max_per_order=4,
    )
    event_services.event_publish(actor=owner, event=sunset)
    _take(general, 120)
    _take(vip, 18)  # nearly sold out

    start, end = _at(21, 3)
    jazz = event_services.event_create(
        actor=owner,
        organizer=organizer,
        title="Desert Jazz Night",
        timezone=tz,
        starts_at=start,
        ends_at=end,
        description="Three sets of late-night jazz under the desert sky.",
        venue_name="The Slickrock Club",
        venue_address="200 Main Street\nMoab, UT 84532",
        capacity=150,
    )
    early = event_services.ticket_type_create(
        actor=owner, event=jazz, name="Early bird", price=2000, capacity=40
    )
    event_services.ticket_type_create(
        actor=owner, event=jazz, name="Standard", price=2800, capacity=110
    )
    event_services.event_publish(actor=owner, event=jazz)
    _take(early, 40)  # sold out

    start, end = _at(45, 4)
    stars = event_services.event_create(
        actor=owner,
        organizer=organizer,
        title="Stargazing Workshop",
        timezone=tz,
        starts_at=start,
        ends_at=end,
        description="Learn the night sky with a park ranger. Telescopes provided.",
        venue_name="Island in the Sky Visitor Center",
        venue_address="Grand View Point Road\nMoab, UT 84532",
    )
    event_services.ticket_type_create(
        actor=owner,
        event=stars,
        name="Workshop seat",
        price=0,
        capacity=30,
        sales_start=clock.now() + timedelta(days=7),
    )
    event_services.event_publish(actor=owner, event=stars)

    start, end = _at(90, 3)
    event_services.event_create(
        actor=owner,
        organizer=organizer,
        title="Winter Gala",
        timezone=tz,
        starts_at=start,
        ends_at=end,
        description="Still being planned: a draft only the team can see.",
        venue_name="Canyon Lodge",
    )
