"""The Stripe reconciler: heals what webhooks missed (docs/payments.md, "Reconciler").

Run every 5 minutes by ``jobs.reconcile_stripe_payments`` (config/schedule.py), in the worker:

1. Stored webhook events still unprocessed a while after they arrived (their task crashed or
   failed) are processed again — processing is idempotent — up to ``MAX_EVENT_ATTEMPTS``
   failures each. Events waiting for their payment to be settled (a refund or dispute that came
   first) are not failures: they are run again on every pass, in a batch of their own, until the
   payment settles.
2. Checkouts not settled yet (open, processing, refund pending) and older than a few minutes are
   looked up on Stripe (the Checkout Session, with its PaymentIntent) and the answer goes through
   the same ``settle.checkout_session_apply`` as a webhook; a pending refund is sent again with
   its idempotency key. Each checkout is asked about at most every ``RECHECK_AFTER``.
3. Settled checkouts of the last ``LEDGER_SWEEP_DAYS`` whose ledger is incomplete — a paid one
   without its payment entry (Stripe unreachable at settlement, no refund or dispute since), a
   payment booked without Stripe's fee (balance transaction not ready then), or without its
   Connect transfer, or with fewer transfer reversals than Stripe refunds — get what is
   missing booked (``money_events.ledger_payment_complete``); each at most every
   ``LEDGER_RECHECK_AFTER``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import stripe
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger.models import EntryKind, JournalEntry, Line, Posting
from blackcanyon.payments import money_events
from blackcanyon.payments.models import (
    SETTLED_CHECKOUT_STATUSES,
    UNSETTLED_CHECKOUT_STATUSES,
    CheckoutStatus,
    StripeCheckout,
    StripeEvent,
)
from blackcanyon.payments.stripe import settle
from blackcanyon.payments.stripe.client import stripe_client, stripe_enabled, translate_error
from blackcanyon.payments.stripe.webhooks import WAITING_FOR_PAYMENT, stripe_event_process

logger = logging.getLogger(__name__)

EVENT_RETRY_AFTER = timedelta(minutes=2)
MAX_EVENT_ATTEMPTS = 10
# Give the webhook time to arrive before asking Stripe.
CHECK_AFTER = timedelta(minutes=5)
RECHECK_AFTER = timedelta(minutes=5)
BATCH = 100
# How far back, and how often, the ledger of settled checkouts is completed.
LEDGER_SWEEP_DAYS = 30
LEDGER_RECHECK_AFTER = timedelta(hours=1)


@dataclass
class ReconcileReport:
    events_retried: int = 0
    checkouts_checked: int = 0
    ledger_checked: int = 0
    outcomes: dict[str, int] | None = None
    errors: int = 0

    def count(self, outcome: str) -> None:
        self.outcomes = self.outcomes or {}
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def stripe_reconcile(*, now: datetime | None = None) -> ReconcileReport:
    """One reconciler pass (worker role); returns what it did. Never raises for one bad item."""
    now = now or clock.now()
    report = ReconcileReport()
    _retry_events(report, now)
    if stripe_enabled():
        _check_checkouts(report, now)
        _complete_ledger(report, now)
    return report


def _retry_events(report: ReconcileReport, now: datetime) -> None:
    with tenancy.system_context():
        unprocessed = StripeEvent.objects.filter(
            processed_at__isnull=True,
            received_at__lt=now - EVENT_RETRY_AFTER,
            attempts__lt=MAX_EVENT_ATTEMPTS,
        ).order_by("received_at")
        # Separate batches: events waiting (for days, an async payment) never crowd out
        # failed ones.
        waiting = unprocessed.filter(last_error=WAITING_FOR_PAYMENT)
        failed = unprocessed.exclude(last_error=WAITING_FOR_PAYMENT)
        due = [
            *failed.values_list("event_id", flat=True)[:BATCH],
            *waiting.values_list("event_id", flat=True)[:BATCH],
        ]
    for event_id in due:
        report.events_retried += 1
        try:
            stripe_event_process(event_id=event_id)
        except Exception:
            report.errors += 1
            logger.exception("Reconciler: Stripe event %s failed again", event_id)


def _check_checkouts(report: ReconcileReport, now: datetime) -> None:
    with tenancy.system_context():
        due = list(
            StripeCheckout.objects.filter(
                status__in=UNSETTLED_CHECKOUT_STATUSES, created_at__lt=now - CHECK_AFTER
            )
            .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=now - RECHECK_AFTER))
            .order_by("created_at")
            .values_list("pk", "organizer_id")[:BATCH]
        )
    for checkout_id, organizer_id in due:
        report.checkouts_checked += 1
        try:
            report.count(_check_one(checkout_id, organizer_id, now))
        except Exception:
            report.errors += 1
            logger.exception("Reconciler: checkout %s could not be settled", checkout_id)


def _check_one(checkout_id: int, organizer_id: int, now: datetime) -> str:
    with tenancy.for_organizer(organizer_id):
        checkout = StripeCheckout.objects.get(pk=checkout_id)
        StripeCheckout.objects.filter(pk=checkout_id).update(checked_at=now)
        if checkout.status == CheckoutStatus.REFUND_PENDING:
            return settle.refund_send(checkout=checkout, now=now)
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(
            checkout.session_id, params={"expand": ["payment_intent"]}
        )
    except stripe.StripeError as error:
        raise translate_error(error, doing="retrieving a Checkout Session") from error
    return settle.checkout_session_apply(session=session.to_dict(), now=now)


def _ledger_incomplete(now: datetime) -> list[tuple[int, int]]:
    """(checkout id, organizer id) of settled checkouts whose ledger lacks the payment (paid
    ones), Stripe's fee on it, its Connect transfer or a transfer reversal per Stripe refund (a
    dashboard refund that did not reverse the transfer keeps its checkout asked about, at most
    every ``LEDGER_RECHECK_AFTER``), settled between ``LEDGER_SWEEP_DAYS`` and ``CHECK_AFTER`` ago
    and not asked about in the last ``LEDGER_RECHECK_AFTER``. System context."""
    payments = JournalEntry.objects.filter(kind=EntryKind.PAYMENT)
    fee_less = (
        payments.filter(occurred_at__gte=now - timedelta(days=LEDGER_SWEEP_DAYS))
        .exclude(order_id=None)
        .filter(~Exists(Posting.objects.filter(entry=OuterRef("pk"), line=Line.STRIPE_FEE)))
        .filter(
            ~Exists(
                JournalEntry.objects.filter(
                    kind=EntryKind.STRIPE_FEE, stripe_ref=OuterRef("stripe_ref")
                )
            )
        )
        .values("order_id")
    )
    booked = payments.filter(order_id=OuterRef("order_id"))
    of_order = JournalEntry.objects.filter(order_id=OuterRef("order_id")).order_by()
    refunds_at_stripe = of_order.filter(kind=EntryKind.REFUND).exclude(stripe_ref="")
    connect_missing = Q(booked=True, transferred=False) | Q(
        refunds__gt=Coalesce(_count(of_order.filter(kind=EntryKind.TRANSFER_REVERSAL)), 0)
    )
    return list(
        StripeCheckout.objects.filter(
            status__in=SETTLED_CHECKOUT_STATUSES,
            settled_at__gte=now - timedelta(days=LEDGER_SWEEP_DAYS),
            settled_at__lt=now - CHECK_AFTER,
        )
        .exclude(payment_intent_id="")
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=now - LEDGER_RECHECK_AFTER))
        .annotate(
            booked=Exists(booked),
            transferred=Exists(of_order.filter(kind=EntryKind.TRANSFER)),
            refunds=Coalesce(_count(refunds_at_stripe), 0),
        )
        .filter(
            Q(status=CheckoutStatus.PAID, booked=False) | Q(order_id__in=fee_less) | connect_missing
        )
        .order_by("settled_at")
        .values_list("pk", "organizer_id")[:BATCH]
    )


def _count(entries: QuerySet[JournalEntry]) -> Subquery:
    return Subquery(entries.values("order_id").annotate(n=Count("pk")).values("n")[:1])


def _complete_ledger(report: ReconcileReport, now: datetime) -> None:
    with tenancy.system_context():
        due = _ledger_incomplete(now)
    for checkout_id, organizer_id in due:
        report.ledger_checked += 1
        try:
            outcome = money_events.ledger_payment_complete(
                checkout_id=checkout_id, organizer_id=organizer_id, now=now
            )
            report.count(outcome)
        except Exception:
            report.errors += 1
            logger.exception(
                "Reconciler: the ledger of checkout %s could not be completed", checkout_id
            )
