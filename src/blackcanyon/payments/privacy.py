"""Personal data held by the payments app: none.

* ``payments.StripeAccount`` holds a Stripe account id and Stripe's status flags and requirement
  field names (``individual.dob.day`` — the names of what is missing, never the values). The
  person's details themselves are entered on Stripe's pages and stay with Stripe.
* Creating the account sends Stripe the organizer's business contact address
  (``organizers.Organizer.contact_email``, declared there as not personal).
* ``payments.PlatformFeeOverride`` holds commercial rates only.
"""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {}
