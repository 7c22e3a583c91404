"""The paid-event rule also holds after publishing: when Stripe is in use, a published event of an
organizer whose Stripe account cannot take charges gets no paid ticket type — neither a new one
nor a free one raised to a price — with the same coded error as publishing. Without Stripe keys
(TEST MODE) nothing changes; free types and drafts are never held back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.events import services
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.organizers.models import Membership
from blackcanyon.payments.errors import PaidEventNeedsStripe
from blackcanyon.payments.models import StripeAccount
from tests.factories import EventFactory, TicketTypeFactory
from tests.payments.stripe_stubs import SECRET_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_on(settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = SECRET_KEY


def _event(owner: Membership, *prices: int, status: str = EventStatus.PUBLISHED) -> Event:
    event = EventFactory(organizer=owner.organizer, status=status)
    for price in prices:
        TicketTypeFactory(event=event, price=price, name=f"Type {price}")
    return event


def _add(owner: Membership, event: Event, price: int) -> TicketType:
    with tenancy.for_organizer(owner.organizer_id):
        return services.ticket_type_create(
            actor=owner.user, event=event, name="Balcony", price=price, capacity=10
        )


def _set_price(owner: Membership, ticket_type: TicketType, price: int) -> TicketType:
    with tenancy.for_organizer(owner.organizer_id):
        return services.ticket_type_update(
            actor=owner.user,
            ticket_type=ticket_type,
            name=ticket_type.name,
            price=price,
            capacity=ticket_type.capacity,
        )


def _prices(owner: Membership, event: Event) -> list[int]:
    with tenancy.for_organizer(owner.organizer_id):
        return sorted(TicketType.objects.filter(event=event).values_list("price", flat=True))


def _connect(owner: Membership) -> None:
    with tenancy.for_organizer(owner.organizer_id):
        StripeAccount.objects.create(
            organizer=owner.organizer,
            stripe_account_id="acct_1TestPaidTypeRule01",
            details_submitted=True,
            charges_enabled=True,
        )


def test_adding_a_paid_type_to_a_published_free_event_is_refused(
    owner: Membership, stripe_on: None
) -> None:
    event = _event(owner, 0)

    with pytest.raises(PaidEventNeedsStripe) as refused:
        _add(owner, event, 2500)

    assert refused.value.code == "stripe_charges_not_enabled"
    assert f"/o/{owner.organizer.slug}/settings/payments/" in refused.value.message
    assert _prices(owner, event) == [0]  # nothing added
    with tenancy.for_organizer(owner.organizer_id):
        assert not AuditLog.objects.filter(action="events.ticket_type.created").exists()


def test_raising_a_free_type_to_a_price_is_refused(owner: Membership, stripe_on: None) -> None:
    event = _event(owner, 0)
    with tenancy.for_organizer(owner.organizer_id):
        free = TicketType.objects.get(event=event)

    with pytest.raises(PaidEventNeedsStripe):
        _set_price(owner, free, 1500)

    assert _prices(owner, event) == [0]


def test_free_types_and_drafts_are_not_held_back(owner: Membership, stripe_on: None) -> None:
    published = _event(owner, 0)
    _add(owner, published, 0)
    draft = _event(owner, 0, status=EventStatus.DRAFT)
    _add(owner, draft, 2500)  # checked when it is published
    assert _prices(owner, published) == [0, 0]
    assert _prices(owner, draft) == [0, 2500]


def test_paid_types_are_added_once_charges_are_enabled(owner: Membership, stripe_on: None) -> None:
    _connect(owner)
    event = _event(owner, 0)
    _add(owner, event, 2500)
    with tenancy.for_organizer(owner.organizer_id):
        free = TicketType.objects.get(event=event, price=0)
    _set_price(owner, free, 1000)
    assert _prices(owner, event) == [1000, 2500]


def test_without_stripe_keys_nothing_changes(owner: Membership) -> None:
    event = _event(owner, 0)
    _add(owner, event, 2500)
    with tenancy.for_organizer(owner.organizer_id):
        free = TicketType.objects.get(event=event, price=0)
    _set_price(owner, free, 1000)
    assert _prices(owner, event) == [1000, 2500]


def test_the_ticket_type_form_shows_the_reason(
    owner: Membership, owner_client: Client, stripe_on: None
) -> None:
    event = _event(owner, 0)
    form = {
        "name": "Balcony",
        "description": "",
        "price": "25.00",
        "capacity": "10",
        "sales_start": "",
        "sales_end": "",
        "min_per_order": "1",
        "max_per_order": "8",
        "position": "",
    }

    response = owner_client.post(
        f"/o/{owner.organizer.slug}/events/{event.pk}/ticket-types/new/", form
    )

    assert response.status_code == 200  # the form again, with the reason
    page = response.content.decode()
    assert "your Stripe account cannot take payments yet" in page
    assert f"/o/{owner.organizer.slug}/settings/payments/" in page
    assert _prices(owner, event) == [0]
