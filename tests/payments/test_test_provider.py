"""The test payment provider through the web: TEST MODE page, approve, decline then retry, an
expired reservation, and the provider registry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders.models import Order, OrderStatus, PaymentAttempt
from blackcanyon.payments.errors import UnknownPaymentProvider
from blackcanyon.payments.providers import PaymentProvider, get_provider
from blackcanyon.payments.providers.test import TestProvider
from tests.factories import EventFactory, TicketTypeFactory
from tests.orders.shop.helpers import checkout_url, details, load, reserve, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def floor(db: None) -> TicketType:
    event = EventFactory(title="Desert Night")
    return TicketTypeFactory(event=event, name="Floor", price=2500, capacity=10)


def _to_payment(client: Client, ticket_type: TicketType, quantity: int = 2) -> tuple[Order, str]:
    """Reserve and submit details through the web; returns the order and the payment page URL."""
    event = ticket_type.event
    response = reserve(client, event, {ticket_type: quantity})
    code = response["Location"].rstrip("/").split("/")[-2]
    order = load(event, code)
    response = client.post(checkout_url(order), details(order))
    assert response.status_code == 302, text(response)
    return load(event, code), response["Location"]


def _attempt(response: Any) -> str:
    match = re.search(r'name="attempt" value="([^"]+)"', response.content.decode())
    assert match
    return match.group(1)


def _attempts(event: Event) -> list[tuple[str, str]]:
    with tenancy.for_organizer(event.organizer_id):
        return list(PaymentAttempt.objects.order_by("id").values_list("provider", "result"))


def test_payment_page_is_clearly_test_mode_and_shows_the_amount(client, floor):
    _, pay_url = _to_payment(client, floor)

    response = client.get(pay_url)

    page = text(response)
    assert response.status_code == 200
    assert "TEST MODE" in page
    assert "This is not a real payment." in page
    assert "Amount due: $50.00" in page
    assert "Approve payment" in page
    assert "Decline payment" in page
    assert response["Cache-Control"] == "private, no-store"


def test_approving_pays_the_order_and_shows_the_confirmation(client, floor):
    order, pay_url = _to_payment(client, floor)
    attempt = _attempt(client.get(pay_url))

    response = client.post(pay_url, {"attempt": attempt, "action": "approve"}, follow=True)

    page = text(response)
    assert response.redirect_chain[-1][0].startswith(f"/orders/{floor.event.organizer.slug}/")
    assert "Payment approved. You're going!" in page
    assert order.code in page
    assert "Confirmed" in page
    paid = load(floor.event, order.code)
    assert paid.status == OrderStatus.PAID
    assert paid.payment_provider == "test"
    assert paid.payment_reference == f"test-{attempt}"
    assert paid.tickets.count() == 2
    run_pending()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_approving_twice_with_one_attempt_confirms_once(client, floor):
    order, pay_url = _to_payment(client, floor)
    attempt = _attempt(client.get(pay_url))

    first = client.post(pay_url, {"attempt": attempt, "action": "approve"})
    second = client.post(pay_url, {"attempt": attempt, "action": "approve"})

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert _attempts(floor.event) == [("test", "approved")]
    assert load(floor.event, order.code).tickets.count() == 2


def test_decline_keeps_the_reservation_and_details_then_a_retry_succeeds(client, floor):
    # Given a buyer on the payment page
    order, pay_url = _to_payment(client, floor)

    # When they decline
    declined = client.post(
        pay_url, {"attempt": _attempt(client.get(pay_url)), "action": "decline"}, follow=True
    )

    # Then they are back at checkout with the message and their details still filled
    page = text(declined)
    assert declined.redirect_chain[-1][0] == checkout_url(order)
    assert "Your payment was declined. You can try again." in page
    assert "Your tickets are held until" in page
    html = declined.content.decode()
    assert 'value="Ana Canyon"' in html
    assert 'value="ana@example.com"' in html
    assert re.search(r'name="accept_terms"[^>]*checked', html)
    held = load(floor.event, order.code)
    assert held.status == OrderStatus.PENDING
    with tenancy.for_organizer(floor.organizer_id):
        assert TicketType.objects.get(pk=floor.pk).taken == 2

    # When they try again and approve
    again = client.post(checkout_url(order), details(order))
    assert again["Location"] == pay_url
    approved = client.post(
        pay_url, {"attempt": _attempt(client.get(pay_url)), "action": "approve"}, follow=True
    )

    # Then the order is paid; both attempts are recorded
    assert "Payment approved" in text(approved)
    assert load(floor.event, order.code).status == OrderStatus.PAID
    assert _attempts(floor.event) == [("test", "declined"), ("test", "approved")]


def test_payment_page_of_an_expired_reservation_shows_the_expiry(client, floor):
    order, pay_url = _to_payment(client, floor)
    with tenancy.for_organizer(floor.organizer_id):
        Order.objects.filter(pk=order.pk).update(expires_at=clock.now() - timedelta(minutes=1))

    attempt = "a" * 24
    response = client.post(pay_url, {"attempt": attempt, "action": "approve"}, follow=True)

    assert "Your reservation expired" in text(response)
    assert "Reserve the same tickets again" in text(response)
    assert load(floor.event, order.code).status == OrderStatus.PENDING
    assert _attempts(floor.event) == []


def test_payment_page_before_details_sends_the_buyer_to_checkout(client, floor):
    response = reserve(client, floor.event, {floor: 1})
    order = load(floor.event, response["Location"].rstrip("/").split("/")[-2])
    pay_url = checkout_url(order).replace("/checkout/", "/pay/test/")

    assert client.get(pay_url)["Location"] == checkout_url(order)


def test_a_forged_or_missing_attempt_is_not_a_payment(client, floor):
    order, pay_url = _to_payment(client, floor)

    response = client.post(pay_url, {"attempt": "x", "action": "approve"})

    assert response.status_code == 400
    assert load(floor.event, order.code).status == OrderStatus.PENDING


def test_payment_link_needs_the_token(client, floor):
    _, pay_url = _to_payment(client, floor)
    forged = re.sub(r"/[0-9a-f]{32}/$", "/" + "b" * 32 + "/", pay_url)

    assert client.get(forged).status_code == 404
    assert client.post(forged, {"attempt": "a" * 24, "action": "approve"}).status_code == 404


def test_test_payments_are_refused_in_production(client, floor, settings):
    order, pay_url = _to_payment(client, floor)
    settings.BCT_ENV = "production"

    response = client.post(pay_url, {"attempt": "a" * 24, "action": "approve"})

    assert response.status_code == 503
    assert "Nothing was charged" in text(response)
    assert load(floor.event, order.code).status == OrderStatus.PENDING


# --- registry -------------------------------------------------------------------------------------


def test_the_configured_provider_is_the_test_provider_and_follows_the_interface(settings):
    settings.BCT_PAYMENT_PROVIDER = "test"

    provider = get_provider()

    assert isinstance(provider, TestProvider)
    assert isinstance(provider, PaymentProvider)
    assert provider.name == "test"


def test_an_unknown_provider_is_a_clear_error_at_checkout(client, floor, settings):
    settings.BCT_PAYMENT_PROVIDER = "nope"
    with pytest.raises(UnknownPaymentProvider):
        get_provider()
    response = reserve(client, floor.event, {floor: 1})
    order = load(floor.event, response["Location"].rstrip("/").split("/")[-2])

    response = client.post(checkout_url(order), details(order))

    assert response.status_code == 503
    assert "Online payment is not configured for this site." in text(response)
    assert 'value="Ana Canyon"' in response.content.decode()
