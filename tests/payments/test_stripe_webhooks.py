"""Stripe's webhook: signature checked on the raw body, each event stored once and processed by
the worker; processing is safe for duplicates, any order of arrival and events days late.
Events are signed with the SDK's real signing code; Stripe's API is stubbed (no network)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.core.models import AuditLog
from blackcanyon.core.tasks import run_pending
from blackcanyon.orders import services
from blackcanyon.orders.models import Order, OrderStatus, PaymentAttempt
from blackcanyon.payments.models import CheckoutStatus, StripeAccount, StripeEvent
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from blackcanyon.payments.stripe.settle import checkout_session_apply
from tests.orders.domain.helpers import actions, fresh, tickets
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_checkout_stubs import (
    ACCOUNT_ID,
    CheckoutStub,
    Shop,
    checkout_of,
    deliver,
    event_object,
    pending_order,
    shop,
    signed,
    stripe_checkout,
)
from tests.payments.stripe_stubs import enabled_account

pytestmark = pytest.mark.django_db
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture


def process() -> int:
    """Run the queued tasks as ``bct worker`` does (its role may see every organizer)."""
    with as_worker_role():
        return run_pending()


def stored_events() -> list[tuple[str, str]]:
    with as_worker_role(), tenancy.system_context():
        return list(StripeEvent.objects.order_by("received_at").values_list("type", "outcome"))


def started(s: Shop, stub: CheckoutStub, **kwargs: Any) -> tuple[Order, dict[str, Any]]:
    """A pending order whose buyer is on Stripe's page."""
    order = pending_order(s, **kwargs)
    checkout = stripe_checkout_start(order=order)
    return order, stub.sessions[checkout.session_id]


def paid_attempts(order: Order) -> int:
    with tenancy.for_organizer(order.organizer_id):
        return PaymentAttempt.objects.filter(
            order_id=order.pk, result=PaymentAttempt.Result.APPROVED
        ).count()


# --- Receiving ----------------------------------------------------------------------------------


def test_bad_signature_is_refused_and_logged_as_a_security_event(
    client: Client, stripe_checkout: CheckoutStub, caplog: Any
) -> None:
    order, session = started(shop(), stripe_checkout)
    event = event_object("checkout.session.completed", stripe_checkout.pay(session["id"]))
    payload = json.dumps(event)
    forged = signed(payload, "whsec_not_the_real_secret_000000000000")

    with caplog.at_level(logging.WARNING, logger="blackcanyon.security"):
        response = deliver(client, event, signature=forged)

    assert response.status_code == 400
    request_id = response["X-Request-ID"]
    (record,) = [r for r in caplog.records if r.name == "blackcanyon.security"]
    assert record.levelno == logging.WARNING
    assert "bad_signature" in record.getMessage()
    assert request_id in record.getMessage()
    assert "whsec_" not in record.getMessage()
    assert "client 127.0.0.1" in record.getMessage()  # the address is in the short-lived log
    with as_worker_role(), tenancy.system_context():
        entry = AuditLog.objects.get(action="payments.stripe_webhook.refused")
    assert entry.data == {"reason": "bad_signature"}  # but not in the long-kept audit entry
    assert "127.0.0.1" not in json.dumps(entry.data)
    assert entry.request_id == request_id
    # Nothing stored, nothing changed
    assert stored_events() == []
    process()
    assert fresh(order).status == OrderStatus.PENDING


@pytest.mark.parametrize(
    ("body", "signature", "reason"),
    [
        (b'{"id": "evt_1"}', None, "malformed"),  # signed but not an event
        (b"\xff\xfe not utf-8", None, "malformed"),
        (b'{"id": "evt_1"}', "", "bad_signature"),  # no header
        (b'{"id": "evt_1"}', "t=1,v1=abc", "bad_signature"),  # replayed or forged
    ],
)
def test_unreadable_requests_get_400_never_500(
    client: Client, stripe_checkout: CheckoutStub, body: bytes, signature: str | None, reason: str
) -> None:
    header = signed(body.decode("utf-8", errors="replace")) if signature is None else signature
    response = client.post(
        "/webhooks/stripe/",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_an_old_signature_is_a_replay(client: Client, stripe_checkout: CheckoutStub) -> None:
    event = event_object("payout.paid", {"id": "po_1", "object": "payout"})
    payload = json.dumps(event)
    old = signed(payload, at=int(clock.now().timestamp()) - 3600)
    assert deliver(client, event, signature=old).status_code == 400


def test_without_a_webhook_secret_everything_is_refused(
    client: Client, stripe_checkout: CheckoutStub, settings: Any
) -> None:
    settings.STRIPE_WEBHOOK_SECRET = ""
    event = event_object("payout.paid", {"id": "po_1", "object": "payout"})
    response = deliver(client, event)
    assert response.status_code == 400
    assert "not_configured" in response.content.decode()


def test_events_signed_by_the_connect_endpoint_secret_are_accepted(
    client: Client, stripe_checkout: CheckoutStub, settings: Any
) -> None:
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_connect_endpoint_000000000000000"
    event = event_object("payout.paid", {"id": "po_1", "object": "payout"}, account=ACCOUNT_ID)
    payload = json.dumps(event)
    signature = signed(payload, settings.STRIPE_CONNECT_WEBHOOK_SECRET)
    assert deliver(client, event, signature=signature).status_code == 200
    with as_worker_role(), tenancy.system_context():
        assert StripeEvent.objects.get().account == ACCOUNT_ID


def test_get_is_not_allowed(client: Client) -> None:
    assert client.get("/webhooks/stripe/").status_code == 405


# --- Paying ---------------------------------------------------------------------------------------


def test_completed_session_pays_the_order_issues_tickets_and_emails_the_buyer(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    event = event_object("checkout.session.completed", stripe_checkout.pay(session["id"]))

    response = deliver(client, event)
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    assert fresh(order).status == OrderStatus.PENDING  # acknowledged first, processed by a task

    process()
    paid = fresh(order)
    assert paid.status == OrderStatus.PAID
    assert paid.payment_provider == "stripe"
    assert paid.payment_reference == stripe_checkout.only_session()["payment_intent"]
    assert len(tickets(order)) == 2
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert checkout_of(order).status == CheckoutStatus.PAID
    assert stored_events() == [("checkout.session.completed", "paid")]


def test_a_buyers_payment_is_processed_before_events_that_came_first(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Given a backlog of account updates, then the buyer's completed payment
    s = shop()
    order, session = started(s, stripe_checkout)
    for _ in range(3):
        deliver(client, event_object("account.updated", enabled_account(ACCOUNT_ID)))
    deliver(client, event_object("checkout.session.completed", stripe_checkout.pay(session["id"])))

    # When the worker has run one task
    with as_worker_role():
        run_pending(max_tasks=1)

    # Then the buyer's order is paid while the account updates still wait
    assert fresh(order).status == OrderStatus.PAID
    assert [outcome for _, outcome in stored_events()] == ["", "", "", "paid"]


def test_a_duplicate_event_is_acknowledged_and_processed_once(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    event = event_object("checkout.session.completed", stripe_checkout.pay(session["id"]))

    first = deliver(client, event)
    again = deliver(client, event)  # Stripe retries: same event id, new signature
    ran = process()

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["duplicate"] is True
    assert ran == 2  # one event task + one confirmation email
    assert actions(order).count("orders.order.paid") == 1
    assert paid_attempts(order) == 1
    assert len(tickets(order)) == 2
    assert len(mail.outbox) == 1


def test_the_same_news_in_another_event_changes_nothing(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    paid = stripe_checkout.pay(session["id"])
    deliver(client, event_object("checkout.session.completed", paid))
    deliver(client, event_object("checkout.session.async_payment_succeeded", paid))
    process()
    assert paid_attempts(order) == 1
    assert [o for _, o in stored_events()] == ["paid", "unchanged"]


def test_expired_arriving_after_completed_leaves_the_order_paid(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    paid = stripe_checkout.pay(session["id"])
    expired = dict(paid, status="expired", payment_status="unpaid")
    deliver(client, event_object("checkout.session.completed", paid))
    deliver(client, event_object("checkout.session.expired", expired))
    process()
    assert fresh(order).status == OrderStatus.PAID
    assert checkout_of(order).status == CheckoutStatus.PAID


def test_expired_first_then_completed_still_pays(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # Stripe does not promise the order of deliveries.
    order, session = started(shop(), stripe_checkout)
    paid = stripe_checkout.pay(session["id"])
    expired = dict(paid, status="expired", payment_status="unpaid", payment_intent=None)
    deliver(client, event_object("checkout.session.expired", expired))
    process()
    assert checkout_of(order).status == CheckoutStatus.EXPIRED
    deliver(client, event_object("checkout.session.completed", paid))
    process()
    assert fresh(order).status == OrderStatus.PAID


def test_completed_arriving_after_the_reconciler_paid_changes_nothing(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    paid = stripe_checkout.pay(session["id"])
    with as_worker_role():
        assert checkout_session_apply(session=paid) == "paid"  # what the reconciler does
    deliver(client, event_object("checkout.session.completed", paid))
    process()
    assert stored_events() == [("checkout.session.completed", "unchanged")]
    assert actions(order).count("orders.order.paid") == 1


def test_an_expired_session_marks_the_checkout_and_keeps_the_reservation(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    deliver(client, event_object("checkout.session.expired", stripe_checkout.expire(session["id"])))
    process()
    assert checkout_of(order).status == CheckoutStatus.EXPIRED
    assert fresh(order).status == OrderStatus.PENDING  # the reservation expires on its own clock


def test_async_payment_processing_then_succeeded(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    processing = stripe_checkout.pay(session["id"], payment_status="unpaid")
    deliver(client, event_object("checkout.session.completed", processing))
    process()
    assert checkout_of(order).status == CheckoutStatus.PROCESSING
    assert fresh(order).status == OrderStatus.PENDING

    succeeded = stripe_checkout.pay(session["id"])
    deliver(client, event_object("checkout.session.async_payment_succeeded", succeeded))
    process()
    assert fresh(order).status == OrderStatus.PAID


def test_async_payment_failed_records_the_decline(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    processing = stripe_checkout.pay(session["id"], payment_status="unpaid")
    deliver(client, event_object("checkout.session.completed", processing))
    deliver(client, event_object("checkout.session.async_payment_failed", processing))
    process()
    assert checkout_of(order).status == CheckoutStatus.FAILED
    assert fresh(order).status == OrderStatus.PENDING
    with tenancy.for_organizer(order.organizer_id):
        assert (
            PaymentAttempt.objects.filter(
                order_id=order.pk, result=PaymentAttempt.Result.DECLINED
            ).count()
            == 1
        )


def test_payment_intent_failed_records_a_declined_try_once(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, _session = started(shop(), stripe_checkout)
    intent = {
        "id": "pi_3QfailedIntent0001",
        "object": "payment_intent",
        "status": "requires_payment_method",
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
        "metadata": {"order_id": str(order.pk), "organizer_id": str(order.organizer_id)},
    }
    event = event_object("payment_intent.payment_failed", intent)
    deliver(client, event)
    deliver(client, event)
    process()
    with tenancy.for_organizer(order.organizer_id):
        declined = list(
            PaymentAttempt.objects.filter(order_id=order.pk).values_list("result", "message")
        )
    assert declined == [("declined", "Your card was declined.")]


# --- Late payments ----------------------------------------------------------------------------


def _expire(order: Order, at: Any) -> None:
    with tenancy.system_context(), as_worker_role():
        services.reservations_release_expired(now=at)
    assert fresh(order).status == OrderStatus.EXPIRED


def test_a_payment_72_hours_late_is_honoured_while_seats_are_free(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    s = shop(capacity=10)
    order, session = started(s, stripe_checkout)
    paid = stripe_checkout.pay(session["id"])
    created = clock.now()
    later = created + timedelta(hours=72)
    _expire(order, later)

    with clock.frozen(later):
        deliver(client, event_object("checkout.session.completed", paid, created=created))
        process()

    assert fresh(order).status == OrderStatus.PAID
    assert len(tickets(order)) == 2
    s.floor.refresh_from_db()
    assert s.floor.taken == 2  # the seats were taken again


def test_a_late_payment_without_seats_is_refunded_with_an_email(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    s = shop(capacity=2)
    order, session = started(s, stripe_checkout)
    paid = stripe_checkout.pay(session["id"])
    later = clock.now() + timedelta(hours=1)
    _expire(order, later)
    # Meanwhile another buyer took the last seats (test payment)
    with clock.frozen(later):
        other = pending_order(s, email="bo@example.com")
        services.order_confirm_payment(
            order=other, provider="test", reference="t-1", amount=other.total
        )
        mail.outbox.clear()

        deliver(client, event_object("checkout.session.completed", paid))
        process()

    # The money goes back: one refund, of the whole charge and the platform fee
    assert fresh(order).status == OrderStatus.EXPIRED
    assert tickets(order) == []
    checkout = checkout_of(order)
    assert checkout.status == CheckoutStatus.REFUNDED
    assert checkout.refund_reason == "no_capacity"
    (refund_call,) = stripe_checkout.calls("POST", "/refunds")
    form = stripe_checkout.form(refund_call)
    assert form["payment_intent"] == paid["payment_intent"]
    assert form["reverse_transfer"] == "true"
    assert form["refund_application_fee"] == "true"
    assert refund_call.request.headers["Idempotency-Key"].startswith("bct-")
    assert checkout.refund_id == next(iter(stripe_checkout.refunds.values()))["id"]
    # The buyer is told; the audit log says why
    (email,) = [m for m in mail.outbox if m.to == ["ana@example.com"]]
    assert "refunded" in email.subject
    assert "$50.00" in email.body
    assert "sold out" in email.body
    assert "payments.stripe_checkout.refunded" in actions(order)
    # Never oversold
    s.floor.refresh_from_db()
    assert s.floor.taken == 2


def test_paying_an_order_already_paid_another_way_refunds_the_second_payment(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    services.order_mark_paid_offline(actor=None, order=order)
    deliver(client, event_object("checkout.session.completed", stripe_checkout.pay(session["id"])))
    process()
    assert checkout_of(order).status == CheckoutStatus.REFUNDED
    assert checkout_of(order).refund_reason == "already_paid"
    (refund_call,) = stripe_checkout.calls("POST", "/refunds")
    assert stripe_checkout.form(refund_call)["reason"] == "duplicate"
    assert paid_attempts(order) == 1  # the offline payment only


def test_a_payment_of_another_amount_is_refunded_not_honoured(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, session = started(shop(), stripe_checkout)
    paid = dict(stripe_checkout.pay(session["id"]), amount_total=100)
    deliver(client, event_object("checkout.session.completed", paid))
    process()
    assert fresh(order).status == OrderStatus.PENDING
    assert tickets(order) == []
    assert checkout_of(order).status == CheckoutStatus.REFUNDED
    assert checkout_of(order).refund_reason == "amount_mismatch"


# --- Other events -------------------------------------------------------------------------------


def test_account_updated_keeps_the_connected_account_in_step(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    s = shop(charges_enabled=False)
    deliver(client, event_object("account.updated", enabled_account(ACCOUNT_ID)))
    process()
    with tenancy.for_organizer(s.event.organizer_id):
        assert StripeAccount.objects.get(stripe_account_id=ACCOUNT_ID).charges_enabled
    assert stored_events() == [("account.updated", "applied")]


@pytest.mark.parametrize(
    "event_type",
    [
        "charge.refunded",
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
        "payout.paid",
        "payout.failed",
    ],
)
def test_money_movement_events_for_objects_not_ours_are_processed_as_unknown(
    client: Client, stripe_checkout: CheckoutStub, event_type: str
) -> None:
    # Handled in tests/payments/test_money_events.py; here: not our payment / account.
    deliver(client, event_object(event_type, {"id": "obj_1", "object": event_type.split(".")[0]}))
    process()
    assert stored_events() == [(event_type, "unknown")]


def test_unknown_sessions_and_event_types_are_acknowledged_and_ignored(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    foreign = {"id": "cs_test_notours", "object": "checkout.session", "status": "complete"}
    deliver(client, event_object("checkout.session.completed", foreign))
    deliver(client, event_object("customer.created", {"id": "cus_1", "object": "customer"}))
    process()
    assert stored_events() == [
        ("checkout.session.completed", "unknown"),
        ("customer.created", "ignored"),
    ]
