"""Payment tasks. Thin adapters: each calls one service (which sets its own tenant context)."""

from __future__ import annotations

from django.tasks import task

from blackcanyon.payments.stripe.webhooks import stripe_event_process


@task()
def process_stripe_event(*, event_id: str) -> str:
    """Process one stored Stripe webhook event (enqueued with it); returns the outcome. A failure
    leaves the event unprocessed: the reconciler runs it again (payments/reconcile.py)."""
    return stripe_event_process(event_id=event_id)


@task()
def settle_stripe_checkout(*, session_id: str) -> str:
    """Settle one Checkout Session the buyer completed before starting another payment attempt
    (``stripe/checkout.py``): ask Stripe, then the usual settlement; returns the outcome."""
    from blackcanyon.payments.stripe.checkout import stripe_checkout_settle

    return stripe_checkout_settle(session_id=session_id)
