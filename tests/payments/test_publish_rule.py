"""Paid events need Stripe charges enabled before they go on sale — only when Stripe is in use;
free events can always be published, and without Stripe keys TEST MODE works as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import tenancy
from blackcanyon.events import services
from blackcanyon.events.models import Event, EventStatus
from blackcanyon.organizers.models import Membership
from blackcanyon.payments.errors import PaidEventNeedsStripe
from blackcanyon.payments.models import StripeAccount
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory
from tests.payments.stripe_stubs import SECRET_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> Membership:
    return MembershipFactory(organizer__slug="canyon-shows")


def _draft(owner: Membership, *prices: int) -> Event:
    event = EventFactory(organizer=owner.organizer, status=EventStatus.DRAFT)
    for price in prices:
        TicketTypeFactory(event=event, price=price)
    return event


def _publish(owner: Membership, event: Event) -> Event:
    with tenancy.for_organizer(owner.organizer_id):
        return services.event_publish(actor=owner.user, event=event)


def _status(owner: Membership, event: Event) -> str:
    with tenancy.for_organizer(owner.organizer_id):
        event.refresh_from_db()
    return event.status


def _connect(owner: Membership, *, charges_enabled: bool) -> None:
    with tenancy.for_organizer(owner.organizer_id):
        StripeAccount.objects.create(
            organizer=owner.organizer,
            stripe_account_id=f"acct_1Test{owner.organizer_id:010d}",
            details_submitted=charges_enabled,
            charges_enabled=charges_enabled,
        )


@pytest.fixture
def stripe_on(settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = SECRET_KEY


def test_paid_event_waits_for_stripe_charges(owner: Membership, stripe_on: None) -> None:
    # Given Stripe is in use and the organizer has not connected
    event = _draft(owner, 0, 2500)

    # When they publish an event with a paid ticket type
    with pytest.raises(PaidEventNeedsStripe) as refused:
        _publish(owner, event)

    # Then it stays a draft, with a message pointing to the Payments settings
    assert refused.value.code == "stripe_charges_not_enabled"
    assert "/o/canyon-shows/settings/payments/" in refused.value.message
    assert _status(owner, event) == EventStatus.DRAFT


def test_paid_event_waits_while_onboarding_is_unfinished(
    owner: Membership, stripe_on: None
) -> None:
    _connect(owner, charges_enabled=False)
    event = _draft(owner, 2500)
    with pytest.raises(PaidEventNeedsStripe):
        _publish(owner, event)
    assert _status(owner, event) == EventStatus.DRAFT


def test_paid_event_publishes_once_charges_are_enabled(owner: Membership, stripe_on: None) -> None:
    _connect(owner, charges_enabled=True)
    event = _publish(owner, _draft(owner, 2500))
    assert event.status == EventStatus.PUBLISHED


def test_free_event_publishes_without_stripe(owner: Membership, stripe_on: None) -> None:
    event = _publish(owner, _draft(owner, 0, 0))
    assert event.status == EventStatus.PUBLISHED


def test_without_stripe_keys_paid_events_publish_in_test_mode(owner: Membership) -> None:
    event = _publish(owner, _draft(owner, 2500))
    assert event.status == EventStatus.PUBLISHED


def test_publish_button_shows_the_reason(owner: Membership, stripe_on: None) -> None:
    event = _draft(owner, 2500)
    client = Client()
    client.force_login(owner.user)

    response = client.post(
        f"/o/canyon-shows/events/{event.pk}/publish/", follow=True, HTTP_ACCEPT="text/html"
    )

    assert response.status_code == 200
    assert "your Stripe account cannot take payments yet" in response.content.decode()
    assert _status(owner, event) == EventStatus.DRAFT
