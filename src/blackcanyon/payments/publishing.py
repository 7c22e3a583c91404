"""The payments rule for publishing events (listed in ``settings.BCT_EVENT_PUBLISH_CHECKS``, which
``events.services.event_publish`` runs; the events app does not import payments)."""

from __future__ import annotations

from django.urls import reverse

from blackcanyon.events.models import Event, TicketType
from blackcanyon.payments import selectors
from blackcanyon.payments.errors import PaidEventNeedsStripe
from blackcanyon.payments.stripe.client import stripe_enabled


def paid_event_publish_check(*, event: Event) -> None:
    """A paid event (any ticket type with a price above 0) needs an organizer whose Stripe
    account has charges enabled — when Stripe is in use on this site. Free events always pass;
    without Stripe keys the TEST MODE provider takes payments and nothing is required.

    Raises ``PaidEventNeedsStripe`` (code ``stripe_charges_not_enabled``).
    """
    if not stripe_enabled():
        return
    if not TicketType.objects.filter(event=event, price__gt=0).exists():
        return
    if selectors.charges_enabled(organizer=event.organizer):
        return
    path = reverse("payments:connect", kwargs={"organizer_slug": event.organizer.slug})
    raise PaidEventNeedsStripe(
        "This event has paid tickets, and your Stripe account cannot take payments yet."
        f" Connect Stripe and finish onboarding on the Payments settings page ({path}), then"
        " publish. Free events can be published now."
    )
