"""Retention of Stripe webhook payloads: once processed and older than
``STRIPE_EVENT_RETENTION_DAYS``, an event's payload (buyers' emails and names) is cleared by a
daily job; the row stays, so a late duplicate delivery is still recognised and ignored."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.orders.models import OrderStatus
from blackcanyon.payments import jobs
from blackcanyon.payments.models import StripeEvent
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from tests.orders.domain.helpers import fresh
from tests.payments.helpers import as_worker_role
from tests.payments.stripe_checkout_stubs import (
    CheckoutStub,
    deliver,
    event_object,
    pending_order,
    shop,
    stripe_checkout,
)

pytestmark = pytest.mark.django_db
__all__ = ["stripe_checkout"]  # the stubbed Stripe fixture


def _events() -> dict[str, StripeEvent]:
    with as_worker_role(), tenancy.system_context():
        return {e.event_id: e for e in StripeEvent.objects.all()}


def _paid_by_webhook(client: Client, stub: CheckoutStub) -> tuple[Any, dict[str, Any]]:
    order = pending_order(shop())
    checkout = stripe_checkout_start(order=order)
    event = event_object("checkout.session.completed", stub.pay(checkout.session_id))
    assert deliver(client, event).status_code == 200
    with as_worker_role():
        run_pending()
    return order, event


def _prune(at: datetime, **kwargs: Any) -> int:
    with as_worker_role():
        return jobs.stripe_events_prune(now=at, **kwargs)


def test_old_processed_payloads_are_cleared_and_the_row_kept(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    order, event = _paid_by_webhook(client, stripe_checkout)
    before = _events()[event["id"]]
    assert "ana@example.com" in json.dumps(before.payload)

    # Before the 90 days are over nothing is cleared
    assert _prune(clock.now() + timedelta(days=89)) == 0
    assert _events()[event["id"]].payload == before.payload

    # After them the buyer's details are gone, the record of the event is not
    assert _prune(clock.now() + timedelta(days=91)) == 1
    after = _events()[event["id"]]
    assert after.payload == {}
    assert "ana@example.com" not in json.dumps(after.payload)
    assert (after.type, after.outcome, after.stripe_created) == (
        "checkout.session.completed",
        "paid",
        before.stripe_created,
    )
    assert after.processed_at == before.processed_at
    assert fresh(order).status == OrderStatus.PAID

    # And the same event delivered again much later is still recognised: not processed twice
    with clock.frozen(clock.now() + timedelta(days=92)):
        response = deliver(client, event)
    assert response.status_code == 200
    assert response.json().get("duplicate") is True
    assert _prune(clock.now() + timedelta(days=93)) == 0  # nothing left to clear


def test_unprocessed_events_keep_their_payload(
    client: Client, stripe_checkout: CheckoutStub
) -> None:
    # An event whose processing never finished (the reconciler still needs its payload)
    order = pending_order(shop())
    checkout = stripe_checkout_start(order=order)
    event = event_object("checkout.session.completed", stripe_checkout.pay(checkout.session_id))
    assert deliver(client, event).status_code == 200  # stored; the task has not run

    assert _prune(clock.now() + timedelta(days=365)) == 0
    assert _events()[event["id"]].payload["data"]["object"]["id"] == checkout.session_id


def test_retention_period_comes_from_settings_and_work_goes_in_batches(
    client: Client, stripe_checkout: CheckoutStub, settings: Any
) -> None:
    settings.STRIPE_EVENT_RETENTION_DAYS = 7
    s = shop(capacity=20)
    for number in range(3):
        order = pending_order(s, email=f"buyer{number}@example.com")
        checkout = stripe_checkout_start(order=order)
        deliver(
            client,
            event_object("checkout.session.completed", stripe_checkout.pay(checkout.session_id)),
        )
    with as_worker_role():
        run_pending()

    assert _prune(clock.now() + timedelta(days=6)) == 0
    assert _prune(clock.now() + timedelta(days=8), batch=2) == 3
    assert all(e.payload == {} for e in _events().values())


def test_the_daily_job_clears_old_payloads(client: Client, stripe_checkout: CheckoutStub) -> None:
    _order, event = _paid_by_webhook(client, stripe_checkout)
    with clock.frozen(clock.now() + timedelta(days=100)), as_worker_role():
        result = jobs.prune_stripe_event_payloads.call()
    assert result == {"cleared": 1}
    assert _events()[event["id"]].payload == {}


def test_the_prune_job_is_scheduled_daily() -> None:
    from blackcanyon.config.schedule import SCHEDULE

    (job,) = [j for j in SCHEDULE if j.task.endswith("prune_stripe_event_payloads")]
    assert job.seconds == 86400
