"""Periodic payment jobs, scheduled in ``config/schedule.py`` and run by ``bct worker``."""

from __future__ import annotations

import logging

from django.tasks import task

from blackcanyon.payments.reconcile import stripe_reconcile

logger = logging.getLogger(__name__)


@task()
def reconcile_stripe_payments() -> dict[str, object]:
    """Heal missed or failed Stripe webhooks (payments/reconcile.py); returns what it did."""
    report = stripe_reconcile()
    if report.events_retried or report.checkouts_checked:
        logger.info(
            "Stripe reconciler: %d events retried, %d checkouts checked %s, %d errors",
            report.events_retried,
            report.checkouts_checked,
            report.outcomes or {},
            report.errors,
        )
    return {
        "events_retried": report.events_retried,
        "checkouts_checked": report.checkouts_checked,
        "outcomes": report.outcomes or {},
        "errors": report.errors,
    }
