"""Personal data held by the payments app: none.

* ``payments.StripeAccount`` holds a Stripe account id and Stripe's status flags and requirement
  field names (``individual.dob.day`` — the names of what is missing, never the values). The
  person's details themselves are entered on Stripe's pages and stay with Stripe.
* Creating the account sends Stripe the organizer's business contact address
  (``organizers.Organizer.contact_email``, declared there as not personal).
* ``payments.PlatformFeeOverride`` holds commercial rates only.
* ``payments.StripeCheckout`` holds Stripe ids and amounts of an order's Checkout Sessions (the
  buyer is the order's, declared by orders).
* ``payments.StripeEvent.payload`` is Stripe's webhook event as received: a Checkout Session
  carries the buyer's email and name (``customer_details``). Readable by the worker only (RLS).
  Payloads of processed events are cleared after ``STRIPE_EVENT_RETENTION_DAYS`` (daily job).
"""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "payments.StripeEvent": {
        "payload": (
            "Stripe's event as received (a session's customer email and name); kept for"
            " reconciliation and disputes; not exported (the order holds the buyer's details);"
            " cleared by payments.jobs.prune_stripe_event_payloads (daily) once processed and"
            " older than STRIPE_EVENT_RETENTION_DAYS (default 90); the row itself stays"
        ),
    },
}
