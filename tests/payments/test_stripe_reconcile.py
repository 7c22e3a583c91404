"""The reconciler heals what webhooks missed, and crashes between Stripe's success and our commit
leave nothing half-written: every payment ends as exactly one paid order or one refund."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.orders import services
from blackcanyon.orders.models import Order, OrderStatus
from blackcanyon.orders.services import checkout as checkout_services
from blackcanyon.payments import jobs
from blackcanyon.payments.models import CheckoutStatus, StripeEvent
from blackcanyon.payments.reconcile import stripe_reconcile
from blackcanyon.payments.stripe import settle
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from tests.orders.domain.helpers import actions, fresh, tickets
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_checkout_stubs import (
    CheckoutStub,
    Shop,
    checkout_of,
    deliver,
    event_object,
    pending_order,
    shop,
    stripe_checkout,
)

pytestmark = pytest.mark.django_db
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture


def started(s: Shop, stub: CheckoutStub) -> tuple[Order, dict[str, Any]]:
    order = pending_order(s)
    checkout = stripe_checkout_start(order=order)
    return order, stub.sessions[checkout.session_id]


def reconcile(after: timedelta) -> Any:
    with clock.frozen(clock.now() + after), as_worker_role():
        report = stripe_reconcile()
        run_pending()  # the emails it queued
    return report


def process() -> None:
    with as_worker_role():
        run_pending()


class CrashOnce:
    """Raise once where it is installed, like a process killed at that point."""

    def __init__(self, real: Any) -> None:
        self.real, self.crashed = real, False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("worker killed here")
        return self.real(*args, **kwargs)


def test_a_webhook_that_never_came_is_replaced_by_asking_stripe(
    stripe_checkout: CheckoutStub,
) -> None:
    order, session = started(shop(), stripe_checkout)
    stripe_checkout.pay(session["id"])  # paid on Stripe; the webhook is lost

    report = reconcile(timedelta(minutes=6))

    assert report.checkouts_checked == 1
    assert report.outcomes == {"paid": 1}
    (call,) = stripe_checkout.calls("GET", f"/checkout/sessions/{session['id']}")
    assert "expand" in call.request.url
    assert fresh(order).status == OrderStatus.PAID
    assert len(tickets(order)) == 2
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


def test_young_sessions_are_left_to_their_webhook_and_each_is_asked_at_most_every_5_minutes(
    stripe_checkout: CheckoutStub,
) -> None:
    _order, _session = started(shop(), stripe_checkout)
    assert reconcile(timedelta(minutes=1)).checkouts_checked == 0
    assert reconcile(timedelta(minutes=6)).outcomes == {"unchanged": 1}  # buyer still on Stripe
    assert reconcile(timedelta(minutes=7)).checkouts_checked == 0
    assert reconcile(timedelta(minutes=12)).checkouts_checked == 1


def test_an_expired_session_is_closed_and_a_failed_async_payment_recorded(
    stripe_checkout: CheckoutStub,
) -> None:
    s = shop()
    expired_order, expired = started(s, stripe_checkout)
    failed_order, failing = started(s, stripe_checkout)
    stripe_checkout.expire(expired["id"])
    stripe_checkout.pay(failing["id"], payment_status="unpaid")
    stripe_checkout.fail_async(failing["id"])

    reconcile(timedelta(minutes=40))

    assert checkout_of(expired_order).status == CheckoutStatus.EXPIRED
    assert checkout_of(failed_order).status == CheckoutStatus.FAILED
    # Settled either way: not asked again
    assert reconcile(timedelta(minutes=50)).checkouts_checked == 0


def test_stripe_down_during_reconciliation_is_retried_next_time(
    stripe_checkout: CheckoutStub,
) -> None:
    order, session = started(shop(), stripe_checkout)
    stripe_checkout.pay(session["id"])
    stripe_checkout.failures["retrieve_session"] = (500, {"error": {"type": "api_error"}})

    report = reconcile(timedelta(minutes=6))
    assert report.errors == 1
    assert fresh(order).status == OrderStatus.PENDING

    assert reconcile(timedelta(minutes=12)).outcomes == {"paid": 1}
    assert fresh(order).status == OrderStatus.PAID


def test_crash_while_issuing_tickets_leaves_nothing_half_written_and_is_healed(
    client: Client, stripe_checkout: CheckoutStub, monkeypatch: Any
) -> None:
    order, session = started(shop(), stripe_checkout)
    crash = CrashOnce(checkout_services.tickets_issue)
    monkeypatch.setattr(checkout_services, "tickets_issue", crash)
    deliver(client, event_object("checkout.session.completed", stripe_checkout.pay(session["id"])))

    # The worker dies between Stripe's success and our commit
    process()
    assert crash.crashed
    assert fresh(order).status == OrderStatus.PENDING
    assert tickets(order) == []
    assert checkout_of(order).status == CheckoutStatus.OPEN
    assert "orders.order.paid" not in actions(order)
    assert mail.outbox == []
    with as_worker_role(), tenancy.system_context():
        event = StripeEvent.objects.get()
    assert event.processed_at is None
    assert "worker killed here" in event.last_error

    # The reconciler runs the stored event again: one paid order, tickets once, one email
    report = reconcile(timedelta(minutes=3))
    assert report.events_retried == 1
    assert report.errors == 0
    assert fresh(order).status == OrderStatus.PAID
    assert len(tickets(order)) == 2
    assert actions(order).count("orders.order.paid") == 1
    assert len(mail.outbox) == 1
    # And later passes leave it alone
    assert reconcile(timedelta(minutes=10)).events_retried == 0


def test_crash_after_stripe_refunded_but_before_we_recorded_it_refunds_once(
    client: Client, stripe_checkout: CheckoutStub, monkeypatch: Any
) -> None:
    s = shop(capacity=2)
    order, session = started(s, stripe_checkout)
    paid = stripe_checkout.pay(session["id"])
    later = clock.now() + timedelta(hours=1)
    with tenancy.system_context(), as_worker_role():
        services.reservations_release_expired(now=later)
    with clock.frozen(later):
        other = pending_order(s)
        services.order_confirm_payment(
            order=other, provider="test", reference="t-1", amount=other.total
        )
    process()  # the other buyer's confirmation
    mail.outbox.clear()
    crash = CrashOnce(settle._record_refund)
    monkeypatch.setattr(settle, "_record_refund", crash)

    with clock.frozen(later):
        deliver(client, event_object("checkout.session.completed", paid))
        process()
    assert crash.crashed
    assert checkout_of(order).status == CheckoutStatus.REFUND_PENDING
    assert mail.outbox == []

    with clock.frozen(later):
        reconcile(timedelta(minutes=6))

    calls = stripe_checkout.calls("POST", "/refunds")
    assert len(calls) == 2  # asked twice, with the same key: Stripe made one refund
    assert len({c.request.headers["Idempotency-Key"] for c in calls}) == 1
    assert len(stripe_checkout.refunds) == 1
    checkout = checkout_of(order)
    assert checkout.status == CheckoutStatus.REFUNDED
    assert checkout.refund_id == next(iter(stripe_checkout.refunds.values()))["id"]
    assert actions(order).count("payments.stripe_checkout.refunded") == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert tickets(order) == []


def test_the_scheduled_job_runs_the_reconciler(stripe_checkout: CheckoutStub) -> None:
    order, session = started(shop(), stripe_checkout)
    stripe_checkout.pay(session["id"])
    with clock.frozen(clock.now() + timedelta(minutes=6)), as_worker_role():
        result = jobs.reconcile_stripe_payments.call()
    assert result["outcomes"] == {"paid": 1}
    assert fresh(order).status == OrderStatus.PAID


def test_reconciler_schedule_is_every_five_minutes() -> None:
    from blackcanyon.config.schedule import SCHEDULE

    (job,) = [j for j in SCHEDULE if j.task.endswith("reconcile_stripe_payments")]
    assert job.seconds == 300


@pytest.mark.postgres
def test_the_web_role_stores_events_but_cannot_read_them(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    assert connection.vendor == "postgresql"
    deliver(client, event_object("payout.paid", {"id": "po_1", "object": "payout"}))
    # The web role (bct_app): insert-only, even in the system context
    with tenancy.system_context():
        assert StripeEvent.objects.count() == 0
    with as_worker_role(), tenancy.system_context():
        assert StripeEvent.objects.count() == 1
