"""Periodic payment jobs, scheduled in ``config/schedule.py`` and run by ``bct worker``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task

from blackcanyon.core import clock, tenancy
from blackcanyon.payments.models import StripeEvent
from blackcanyon.payments.reconcile import stripe_reconcile

logger = logging.getLogger(__name__)

DEFAULT_EVENT_RETENTION_DAYS = 90
#: Rows cleared per transaction: short transactions, no long lock on the event store.
PRUNE_BATCH = 500


@task()
def reconcile_stripe_payments() -> dict[str, object]:
    """Heal missed or failed Stripe webhooks (payments/reconcile.py); returns what it did."""
    report = stripe_reconcile()
    if report.events_retried or report.checkouts_checked or report.ledger_checked:
        logger.info(
            "Stripe reconciler: %d events retried, %d checkouts checked, %d ledgers completed"
            " %s, %d errors",
            report.events_retried,
            report.checkouts_checked,
            report.ledger_checked,
            report.outcomes or {},
            report.errors,
        )
    return {
        "events_retried": report.events_retried,
        "checkouts_checked": report.checkouts_checked,
        "ledger_checked": report.ledger_checked,
        "outcomes": report.outcomes or {},
        "errors": report.errors,
    }


def event_retention_days() -> int:
    """``STRIPE_EVENT_RETENTION_DAYS`` (default 90; at least 1)."""
    days = getattr(settings, "STRIPE_EVENT_RETENTION_DAYS", DEFAULT_EVENT_RETENTION_DAYS)
    return max(1, int(days))


def stripe_events_prune(*, now: datetime | None = None, batch: int = PRUNE_BATCH) -> int:
    """Clear the payload of processed Stripe events received more than the retention period ago
    (buyers' emails and names); keep the row — event id, type, account, times, outcome — so a
    late duplicate delivery is still recognised and never processed twice. Unprocessed events
    keep their payload (the reconciler still needs it). Worker role, system context, in batches
    of ``batch`` rows per transaction. Returns how many payloads were cleared."""
    cutoff = (now or clock.now()) - timedelta(days=event_retention_days())
    cleared = 0
    with tenancy.system_context():
        while True:
            with transaction.atomic():
                ids = list(
                    StripeEvent.objects.filter(processed_at__isnull=False, received_at__lt=cutoff)
                    .exclude(payload={})
                    .order_by("received_at")
                    .values_list("pk", flat=True)[:batch]
                )
                if ids:
                    StripeEvent.objects.filter(pk__in=ids).update(payload={})
            cleared += len(ids)
            if len(ids) < batch:
                return cleared


@task()
def prune_stripe_event_payloads() -> dict[str, int]:
    """Daily: clear old processed webhook payloads (``stripe_events_prune``)."""
    cleared = stripe_events_prune()
    if cleared:
        logger.info("Stripe events: %d payloads older than the retention period cleared", cleared)
    return {"cleared": cleared}
