"""Stripe Checkout, refunds and webhooks for tests — no network.

* ``stripe_checkout`` (fixture): Stripe enabled with test keys and a webhook secret; its HTTP API
  stubbed with ``responses``: Checkout Session create / retrieve (answering with the session as
  the stub currently holds it) and refund create (idempotent per ``Idempotency-Key``, as Stripe
  is). Objects are shaped as Stripe returns them (trimmed to the parts that matter).
* ``signed_event`` / ``deliver``: webhook events signed with the SDK's real signing code
  (``stripe.WebhookSignature.generate_signature_header``) and posted to ``/webhooks/stripe/``.
* ``paid_order``: a pending $50.00 order (2 x $25.00) of an organizer whose Stripe account can
  take charges.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
import responses
import stripe
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.events.models import Event, TicketType
from blackcanyon.orders import services
from blackcanyon.orders.models import Order
from blackcanyon.payments.models import StripeAccount, StripeCheckout
from tests.factories import EventFactory, TicketTypeFactory
from tests.payments.stripe_stubs import API, SECRET_KEY

ACCOUNT_ID = "acct_1QbCanyonTest0001"
WEBHOOK_SECRET = "whsec_test_0123456789abcdefghijklmnopqrstuv"
CHECKOUT_URL = "https://checkout.stripe.com/c/pay/"


def session_object(
    session_id: str, params: dict[str, str], *, created: int, livemode: bool = False
) -> dict[str, Any]:
    """A Checkout Session as Stripe returns it from create, built from the form we sent."""
    amount = sum(
        int(params[f"line_items[{i}][price_data][unit_amount]"])
        * int(params[f"line_items[{i}][quantity]"])
        for i in range(10)
        if f"line_items[{i}][quantity]" in params
    )
    metadata = {
        key[len("metadata[") : -1]: value
        for key, value in params.items()
        if key.startswith("metadata[")
    }
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": created,
        "currency": params.get("line_items[0][price_data][currency]", "usd"),
        "customer": None,
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "expires_at": int(params["expires_at"]),
        "livemode": livemode,
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "status": "open",
        "success_url": params.get("success_url"),
        "url": CHECKOUT_URL + session_id,
        # What the PaymentIntent will carry (not part of Stripe's session object).
        "_application_fee": int(params.get("payment_intent_data[application_fee_amount]") or 0),
        "_destination": params.get("payment_intent_data[transfer_data][destination]"),
    }


def intent_object(intent_id: str, session: dict[str, Any], *, status: str) -> dict[str, Any]:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": session["amount_total"],
        "amount_received": session["amount_total"] if status == "succeeded" else 0,
        "application_fee_amount": session.get("_application_fee") or None,
        "currency": session["currency"],
        "last_payment_error": None,
        "latest_charge": "ch_" + intent_id[3:] if status == "succeeded" else None,
        "metadata": session["metadata"],
        "status": status,
        "transfer_data": (
            {"destination": session["_destination"]} if session.get("_destination") else None
        ),
    }


@dataclass
class CheckoutStub:
    mock: responses.RequestsMock
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Idempotency-Key
    #: Make the next calls of a kind fail: {"create_refund": (status, body)}
    failures: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def calls(self, method: str, path: str) -> list[Any]:
        return [
            call
            for call in self.mock.calls
            if call.request.method == method and call.request.url.split("?")[0] == API + path
        ]

    @staticmethod
    def form(call: Any) -> dict[str, str]:
        body = call.request.body or ""
        return dict(parse_qsl(body if isinstance(body, str) else body.decode()))

    def only_session(self) -> dict[str, Any]:
        (session,) = self.sessions.values()
        return session

    # What happens on Stripe's side ----------------------------------------------------------

    def pay(self, session_id: str, *, payment_status: str = "paid") -> dict[str, Any]:
        """The buyer completes the session (``unpaid``: an async method still processing)."""
        session = self.sessions[session_id]
        intent_id = session["payment_intent"] or f"pi_3Q{secrets.token_hex(10)}"
        status = "succeeded" if payment_status == "paid" else "processing"
        self.intents[intent_id] = intent_object(intent_id, session, status=status)
        session.update(status="complete", payment_status=payment_status, payment_intent=intent_id)
        session["customer_details"] = {"email": session["customer_email"], "name": "Ana Canyon"}
        return copy.deepcopy(session)

    def fail_async(self, session_id: str) -> dict[str, Any]:
        session = self.sessions[session_id]
        self.intents[session["payment_intent"]]["status"] = "requires_payment_method"
        return copy.deepcopy(session)

    def expire(self, session_id: str) -> dict[str, Any]:
        self.sessions[session_id].update(status="expired")
        return copy.deepcopy(self.sessions[session_id])


def _answer(stub: CheckoutStub, name: str, body: dict[str, Any]) -> Any:
    status, payload = stub.failures.pop(name, (200, body))
    return status, {"request-id": f"req_{name}"}, json.dumps(payload)


@pytest.fixture
def stripe_checkout(settings: Any) -> Iterator[CheckoutStub]:
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.BCT_PAYMENT_PROVIDER = ""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        stub = CheckoutStub(mock)

        def create_session(request: Any) -> Any:
            params = _params(request)
            key = request.headers["Idempotency-Key"]
            for session in stub.sessions.values():
                if session["_key"] == key:  # Stripe replays the same session for the same key
                    return _answer(stub, "create_session", _public(session))
            session_id = f"cs_test_a1{secrets.token_hex(12)}"
            session = session_object(session_id, params, created=int(clock.now().timestamp()))
            session["_key"] = key
            stub.sessions[session_id] = session
            return _answer(stub, "create_session", _public(session))

        def retrieve_session(request: Any) -> Any:
            session_id = request.url.split("?")[0].rsplit("/", 1)[1]
            session = _public(stub.sessions[session_id])
            if "expand" in request.url and session["payment_intent"]:
                session["payment_intent"] = stub.intents[session["payment_intent"]]
            return _answer(stub, "retrieve_session", session)

        def create_refund(request: Any) -> Any:
            params = _params(request)
            key = request.headers["Idempotency-Key"]
            if key not in stub.refunds and "create_refund" not in stub.failures:
                intent = stub.intents[params["payment_intent"]]
                stub.refunds[key] = {
                    "id": f"re_3Q{secrets.token_hex(10)}",
                    "object": "refund",
                    "amount": intent["amount"],
                    "charge": intent["latest_charge"],
                    "currency": intent["currency"],
                    "metadata": {},
                    "payment_intent": intent["id"],
                    "reason": params.get("reason"),
                    "status": "succeeded",
                }
            return _answer(stub, "create_refund", stub.refunds.get(key, {}))

        def expire_session(request: Any) -> Any:
            session = stub.sessions[request.url.split("?")[0].rsplit("/", 2)[1]]
            if session["status"] != "open":  # as Stripe answers for a complete/expired session
                message = "Only Checkout Sessions with a status in [open] can be expired."
                error = {"message": message, "type": "invalid_request_error"}
                return 400, {"request-id": "req_expire_session"}, json.dumps({"error": error})
            session.update(status="expired")
            return _answer(stub, "expire_session", _public(session))

        mock.add_callback(responses.POST, f"{API}/checkout/sessions", callback=create_session)
        mock.add_callback(
            responses.POST,
            re.compile(rf"{API}/checkout/sessions/cs_\w+/expire"),
            callback=expire_session,
        )
        mock.add_callback(
            responses.GET, re.compile(rf"{API}/checkout/sessions/cs_\w+"), callback=retrieve_session
        )
        mock.add_callback(responses.POST, f"{API}/refunds", callback=create_refund)
        yield stub


def _params(request: Any) -> dict[str, str]:
    body = request.body or ""
    return dict(parse_qsl(body if isinstance(body, str) else body.decode()))


def _public(session: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in session.items() if not k.startswith("_")}


# --- Webhook events ------------------------------------------------------------------------------


def event_object(
    event_type: str, obj: dict[str, Any], *, created: datetime | None = None, **extra: Any
) -> dict[str, Any]:
    created_at = created or clock.now()
    return {
        "id": f"evt_1Q{secrets.token_hex(11)}",
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": int(created_at.timestamp()),
        "data": {"object": _public(obj)},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        **extra,
    }


def signed(payload: str, secret: str = WEBHOOK_SECRET, *, at: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send, made by the SDK's own code."""
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=at if at is not None else int(time.time())
    )


def deliver(client: Client, event: dict[str, Any], *, signature: str | None = None) -> Any:
    payload = json.dumps(event)
    return client.post(
        "/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature if signature is not None else signed(payload)},
    )


# --- Orders ----------------------------------------------------------------------------------


@dataclass
class Shop:
    event: Event
    floor: TicketType


def shop(*, capacity: int = 10, charges_enabled: bool = True) -> Shop:
    """A published event with $25.00 Floor tickets; the organizer's Stripe account can charge."""
    event = EventFactory(organizer__slug="canyon-shows", organizer__name="Canyon Shows")
    floor = TicketTypeFactory(event=event, name="Floor", price=2500, capacity=capacity)
    with tenancy.for_organizer(event.organizer_id):
        StripeAccount.objects.create(
            organizer=event.organizer,
            stripe_account_id=ACCOUNT_ID,
            details_submitted=True,
            charges_enabled=charges_enabled,
            payouts_enabled=charges_enabled,
        )
    return Shop(event=event, floor=floor)


def pending_order(s: Shop, *, quantity: int = 2, email: str = "ana@example.com") -> Order:
    order = services.reservation_create(event=s.event, quantities={s.floor.pk: quantity})
    return services.order_submit_details(
        order=order, buyer_name="Ana Canyon", buyer_email=email, accept_terms=True
    )


def checkout_of(order: Order) -> StripeCheckout:
    with tenancy.for_organizer(order.organizer_id):
        return StripeCheckout.objects.get(order_id=order.pk)
