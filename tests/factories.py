"""factory_boy factories. Organizer-owned rows are created inside their organizer's tenant
context, so they work under PostgreSQL row-level security too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory

from blackcanyon.accounts.models import User
from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.organizers.models import Membership, Organizer, Role


class TenantFactory(factory.django.DjangoModelFactory):
    """Creates the row in its organizer's context (RLS WITH CHECK needs it)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        organizer = kwargs.get("organizer")
        with tenancy.scoped(organizer_id=organizer.pk if organizer else None):
            return super()._create(model_class, *args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    email_verified_at = factory.LazyFunction(clock.now)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class OrganizerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organizer

    name = factory.Sequence(lambda n: f"Organizer {n}")
    slug = factory.Sequence(lambda n: f"organizer-{n}")
    contact_email = factory.Sequence(lambda n: f"hello{n}@organizer.example")
    country = "US"
    default_currency = "USD"
    timezone = "America/Denver"


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    organizer = factory.SubFactory(OrganizerFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class EventFactory(TenantFactory):
    class Meta:
        model = Event

    organizer = factory.SubFactory(OrganizerFactory)
    title = factory.Sequence(lambda n: f"Canyon Concert {n}")
    slug = factory.Sequence(lambda n: f"canyon-concert-{n}")
    description = "An evening under the **stars**."
    description_html = "<p>An evening under the <strong>stars</strong>.</p>"
    venue_name = "Red Rock Hall"
    venue_address = "1 Canyon Road, Moab, UT"
    timezone = "America/Denver"
    starts_at = factory.LazyFunction(lambda: clock.now() + timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    status = EventStatus.PUBLISHED


class TicketTypeFactory(TenantFactory):
    class Meta:
        model = TicketType

    event = factory.SubFactory(EventFactory)
    organizer = factory.LazyAttribute(lambda o: o.event.organizer)
    name = factory.Sequence(lambda n: f"General admission {n}")
    price = 2500
    currency = "USD"
    capacity = 100
