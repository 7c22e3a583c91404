"""Payment tasks. Thin adapters: each calls one service (which sets its own tenant context)."""

from __future__ import annotations

from django.tasks import task

from blackcanyon.payments.stripe.webhooks import stripe_event_process


@task()
def process_stripe_event(*, event_id: str) -> str:
    """Process one stored Stripe webhook event (enqueued with it); returns the outcome. A failure
    leaves the event unprocessed: the reconciler runs it again (payments/reconcile.py)."""
    return stripe_event_process(event_id=event_id)
