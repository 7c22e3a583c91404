"""The Stripe provider: checkout sends the buyer to a Stripe Checkout Session made for the
organizer's connected account with the platform fee; the buyer comes back to "payment
processing" (or their tickets) or, cancelling, to checkout with the reservation intact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.orders.access import checkout_path, token_for
from blackcanyon.orders.models import OrderStatus
from blackcanyon.payments.models import CheckoutStatus, StripeCheckout
from blackcanyon.payments.providers import get_provider
from blackcanyon.payments.stripe.checkout import StripeProvider
from blackcanyon.payments.stripe.settle import checkout_session_apply
from tests.orders.domain.helpers import fresh
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_checkout_stubs import (
    ACCOUNT_ID,
    CHECKOUT_URL,
    CheckoutStub,
    checkout_of,
    pending_order,
    shop,
    stripe_checkout,
)

pytestmark = pytest.mark.django_db
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture

DETAILS = {"buyer_name": "Ana Canyon", "buyer_email": "ana@example.com", "accept_terms": "on"}


def _submit(client: Client, order: Any) -> Any:
    return client.post(checkout_path(order), DETAILS)


def test_stripe_is_the_provider_when_a_key_is_set(stripe_checkout: CheckoutStub) -> None:
    assert isinstance(get_provider(), StripeProvider)


def test_test_provider_stays_the_default_without_keys(settings: Any) -> None:
    settings.BCT_PAYMENT_PROVIDER = ""
    assert get_provider().name == "test"


def test_checkout_sends_the_buyer_to_a_stripe_session_for_the_organizer(
    client: Client, stripe_checkout: CheckoutStub, settings: Any
) -> None:
    # Given a platform fee of 2.5 % + $0.30 and a $50.00 order waiting for payment
    settings.BCT_PLATFORM_FEE_BASIS_POINTS = 250
    settings.BCT_PLATFORM_FEE_FIXED = {"*": 0, "USD": 30}
    order = pending_order(shop())

    # When the buyer submits checkout
    response = _submit(client, order)

    # Then they are sent to Stripe's hosted page
    session = stripe_checkout.only_session()
    assert response.status_code == 302
    assert response["Location"] == CHECKOUT_URL + session["id"]
    # And the session charges the order's lines for the organizer, keeping the platform fee
    (call,) = stripe_checkout.calls("POST", "/checkout/sessions")
    form = stripe_checkout.form(call)
    assert form["mode"] == "payment"
    assert form["line_items[0][quantity]"] == "2"
    assert form["line_items[0][price_data][unit_amount]"] == "2500"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][product_data][name]"].endswith(" - Floor")
    assert form["payment_intent_data[application_fee_amount]"] == "155"  # 125 + 30
    assert form["payment_intent_data[transfer_data][destination]"] == ACCOUNT_ID
    assert form["client_reference_id"] == str(order.pk)
    assert form["metadata[order_code]"] == order.code
    assert form["customer_email"] == "ana@example.com"
    # And it returns to our pages, and lives at least as long as the reservation
    link = f"/pay/stripe/canyon-shows/{order.code}/{token_for(order)}/"
    assert form["success_url"] == settings.PUBLIC_APP_URL + link + "return/"
    assert form["cancel_url"] == settings.PUBLIC_APP_URL + link + "cancel/"
    expires = int(form["expires_at"])
    assert expires >= int((clock.now() + timedelta(minutes=30)).timestamp())
    assert expires >= int(fresh(order).expires_at.timestamp())  # type: ignore[union-attr]
    # And one idempotency key per order attempt
    assert call.request.headers["Idempotency-Key"].startswith("bct-")
    stored = checkout_of(order)
    assert (stored.status, stored.amount, stored.application_fee) == ("open", 5000, 155)


def test_a_second_attempt_makes_a_new_session_with_a_new_key(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order = pending_order(shop())
    _submit(client, order)
    _submit(client, order)  # back from Stripe without paying, submit again
    keys = [
        c.request.headers["Idempotency-Key"]
        for c in stripe_checkout.calls("POST", "/checkout/sessions")
    ]
    assert len(set(keys)) == 2
    with tenancy.for_organizer(order.organizer_id):
        assert sorted(StripeCheckout.objects.values_list("attempt", flat=True)) == [1, 2]


def test_checkout_page_may_send_its_form_on_to_stripe_checkout(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order = pending_order(shop())
    response = client.get(checkout_path(order))
    policy = response.headers["Content-Security-Policy"]
    form_action = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    assert "https://checkout.stripe.com" in form_action
    # And other pages keep the site policy
    home = client.get("/")
    assert "checkout.stripe.com" not in home.headers.get("Content-Security-Policy", "")


def test_an_organizer_without_charges_enabled_is_refused_clearly(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order = pending_order(shop(charges_enabled=False))
    response = _submit(client, order)
    assert response.status_code == 409
    assert "cannot take card payments yet. Nothing was charged" in response.content.decode()
    assert stripe_checkout.calls("POST", "/checkout/sessions") == []
    assert fresh(order).status == OrderStatus.PENDING


def test_stripe_down_keeps_the_reservation_and_says_nothing_was_charged(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    stripe_checkout.failures["create_session"] = (
        503,
        {"error": {"message": "Service unavailable", "type": "api_error"}},
    )
    order = pending_order(shop())
    response = _submit(client, order)
    assert response.status_code == 503
    assert "Nothing was changed" in response.content.decode()
    assert fresh(order).status == OrderStatus.PENDING
    with tenancy.for_organizer(order.organizer_id):
        assert not StripeCheckout.objects.exists()


def test_a_stripe_failure_does_not_block_the_next_attempt(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Stripe replays a stored error for a key for 24 hours: the next attempt needs a new key
    stripe_checkout.failures["create_session"] = (500, {"error": {"type": "api_error"}})
    order = pending_order(shop())
    assert _submit(client, order).status_code == 503
    response = _submit(client, order)
    assert response.status_code == 302
    first, second = stripe_checkout.calls("POST", "/checkout/sessions")
    assert first.request.headers["Idempotency-Key"] != second.request.headers["Idempotency-Key"]
    assert checkout_of(order).attempt == 1


def test_return_shows_processing_until_paid_then_the_tickets(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order = pending_order(shop())
    _submit(client, order)
    session = stripe_checkout.only_session()
    back = f"/pay/stripe/canyon-shows/{order.code}/{token_for(order)}/return/"

    # Back from Stripe before the webhook: payment processing, no second payment asked for
    page = client.get(back)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Payment processing" in text
    assert "You don't need to pay again" in text
    assert "no-store" in page.headers["Cache-Control"]

    # Once Stripe's confirmation is applied, the same link shows the tickets
    with as_worker_role():  # what the webhook task does
        checkout_session_apply(session=stripe_checkout.pay(session["id"]))
    paid = client.get(back, follow=True)
    assert "Payment received. You&#x27;re going!" in paid.content.decode()
    assert fresh(order).status == OrderStatus.PAID


def test_cancel_returns_to_checkout_with_the_reservation_intact(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order = pending_order(shop())
    _submit(client, order)
    cancel = f"/pay/stripe/canyon-shows/{order.code}/{token_for(order)}/cancel/"
    response = client.get(cancel, follow=True)
    assert response.redirect_chain == [(checkout_path(order), 302)]
    assert "Payment cancelled: nothing was charged" in response.content.decode()
    assert fresh(order).status == OrderStatus.PENDING
    assert checkout_of(order).status == CheckoutStatus.OPEN


def test_return_and_cancel_links_need_the_order_token(client: Client) -> None:
    order = pending_order(shop())
    for step in ("return", "cancel"):
        response = client.get(f"/pay/stripe/canyon-shows/{order.code}/{'0' * 32}/{step}/")
        assert response.status_code == 404
