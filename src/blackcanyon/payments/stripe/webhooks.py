"""Stripe webhook events: verify, store once, process in the worker.

* ``stripe_event_verify`` checks the ``Stripe-Signature`` header on the RAW body with
  ``STRIPE_WEBHOOK_SECRET`` (or ``STRIPE_CONNECT_WEBHOOK_SECRET``) using the SDK's own code.
* ``stripe_event_receive`` stores the event once (unique Stripe event id) and enqueues its
  processing task in the same transaction (the queue is the outbox): a duplicate delivery is
  acknowledged without being processed again. Events a buyer is waiting on (their "payment
  processing" page) go ahead of the others in the queue.
* ``stripe_event_process`` (the task; also the reconciler for events whose task failed) dispatches
  by type to idempotent, order-tolerant services and marks the event processed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from blackcanyon.core import clock, tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.payments import disputes, money_events
from blackcanyon.payments.models import StripeEvent
from blackcanyon.payments.stripe import settle
from blackcanyon.payments.stripe.connect import stripe_account_sync

logger = logging.getLogger(__name__)

# Stripe signs each delivery with its own timestamp; older signatures are replays.
SIGNATURE_TOLERANCE_SECONDS = 300
CHECKOUT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
# A buyer back from Stripe waits on these: the worker takes them before any other event.
BUYER_WAITING_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
    }
)
BUYER_WAITING_PRIORITY = 10  # django.tasks priorities run from -100 to 100; the default is 0
#: ``last_error`` of an event left to wait for its payment's settlement (not a failure).
WAITING_FOR_PAYMENT = "waiting for the payment to be settled"
PAYOUT_EVENTS = frozenset({"payout.created", "payout.paid", "payout.failed"})
# Each carries the whole dispute as it is then; all are applied the same way.
DISPUTE_EVENTS = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    }
)


class WebhookRefused(DomainError):
    """A webhook request we cannot trust or read (no 500: Stripe gets a 400)."""

    code = "stripe_webhook_refused"
    status = 400
    default_message = "Webhook refused."

    def __init__(self, reason: str) -> None:
        super().__init__(f"Webhook refused: {reason}.")
        self.reason = reason


def _secrets() -> list[str]:
    return [
        s for s in (settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_CONNECT_WEBHOOK_SECRET) if s
    ]


def stripe_event_verify(*, payload: bytes, signature: str) -> dict[str, Any]:
    """The event in ``payload`` if ``signature`` is Stripe's for it; raises ``WebhookRefused``
    with ``reason`` ``not_configured``, ``bad_signature`` or ``malformed``."""
    secrets = _secrets()
    if not secrets:
        raise WebhookRefused("not_configured")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookRefused("malformed") from None
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(
                text, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
            )
            break
        except stripe.SignatureVerificationError:
            continue
    else:
        raise WebhookRefused("bad_signature")
    try:
        event = json.loads(text)
    except ValueError:
        raise WebhookRefused("malformed") from None
    if not _well_formed(event):
        raise WebhookRefused("malformed")
    return dict(event)


def _well_formed(event: Any) -> bool:
    return (
        isinstance(event, Mapping)
        and isinstance(event.get("id"), str)
        and 0 < len(event["id"]) <= 255
        and isinstance(event.get("type"), str)
        and 0 < len(event["type"]) <= 100
        and isinstance(event.get("created"), int)
        and isinstance(event.get("data"), Mapping)
        and isinstance(event["data"].get("object"), Mapping)
    )


def stripe_event_receive(*, event: Mapping[str, Any]) -> bool:
    """Store a verified event and enqueue its processing; False for a duplicate (already
    stored: nothing is enqueued again)."""
    from blackcanyon.payments.tasks import process_stripe_event

    try:
        with transaction.atomic():
            # A plain INSERT (client-side key): the web role may not read this table back.
            StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                account=str(event.get("account") or "")[:255],
                livemode=event.get("livemode") is True,
                stripe_created=datetime.fromtimestamp(event["created"], tz=UTC),
                payload=dict(event),
                received_at=clock.now(),
            )
            task = process_stripe_event
            if event["type"] in BUYER_WAITING_EVENTS:
                task = task.using(priority=BUYER_WAITING_PRIORITY)
            task.enqueue(event_id=event["id"])
    except IntegrityError:
        logger.info("Stripe event %s received again: already stored", event["id"])
        return False
    logger.info("Stripe event %s (%s) stored", event["id"], event["type"])
    return True


def stripe_event_process(*, event_id: str) -> str:
    """Process one stored event (worker role); return its outcome. Processing is idempotent, so
    running it again after a crash is safe; an event already processed is not run again."""
    with tenancy.system_context():
        stored = StripeEvent.objects.filter(event_id=event_id).first()
        if stored is None:
            return "missing"
        if stored.processed_at is not None:
            return stored.outcome or "processed"
        StripeEvent.objects.filter(pk=stored.pk).update(attempts=F("attempts") + 1)
    try:
        outcome = _dispatch(stored)
    except money_events.PaymentNotSettledYet:
        # Not an error: the payment's own event comes first. Left unprocessed; the reconciler
        # runs it again (docs/payments.md, "Money events") for as long as the payment can still
        # settle — so waiting does not use up the attempts meant for failures.
        with tenancy.system_context():
            StripeEvent.objects.filter(pk=stored.pk).update(
                attempts=F("attempts") - 1, last_error=WAITING_FOR_PAYMENT
            )
        logger.info("Stripe event %s (%s) waits for its payment", event_id, stored.type)
        return "deferred"
    except Exception as error:
        with tenancy.system_context():
            StripeEvent.objects.filter(pk=stored.pk).update(
                last_error=f"{type(error).__name__}: {error}"[:500]
            )
        logger.warning("Stripe event %s (%s) failed: %s", event_id, stored.type, error)
        raise
    with tenancy.system_context():
        StripeEvent.objects.filter(pk=stored.pk, processed_at__isnull=True).update(
            processed_at=clock.now(), outcome=outcome[:32], last_error=""
        )
    logger.info("Stripe event %s (%s): %s", event_id, stored.type, outcome)
    return outcome


def _dispatch(stored: StripeEvent) -> str:
    obj: Mapping[str, Any] = stored.payload["data"]["object"]
    if stored.type in CHECKOUT_EVENTS:
        return settle.checkout_session_apply(session=obj, event_type=stored.type)
    if stored.type == "payment_intent.payment_failed":
        return settle.payment_intent_failed(intent=obj, event_id=stored.event_id)
    if stored.type == "account.updated":
        return str(
            stripe_account_sync(
                account_id=str(obj.get("id") or ""), data=obj, event_created=stored.stripe_created
            )
        )
    if stored.type == "charge.refunded":
        return money_events.charge_refunded(charge=obj)
    if stored.type in DISPUTE_EVENTS:
        return disputes.dispute_apply(dispute=obj, event_created=stored.stripe_created)
    if stored.type in PAYOUT_EVENTS:
        return money_events.payout_event(payout=obj, account=stored.account, event_type=stored.type)
    return "ignored"
