"""Organizer-owned payment settings: the Stripe Connect account and platform fee overrides.

Both tables are organizer-owned and under row-level security (migration 0002).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from blackcanyon.core.models import TimeStampedModel
from blackcanyon.payments.fee_config import MAX_BASIS_POINTS

REQUIREMENT_MAX_LENGTH = 100
REQUIREMENTS_MAX_ITEMS = 50


class StripeAccount(TimeStampedModel):
    """The organizer's Stripe Express account and what Stripe last told us about it.

    A local copy of the account's state, refreshed when the organizer returns from Stripe and by
    ``account.updated`` webhooks (``services.stripe_account_sync``); ``updated_from_stripe_at``
    is the Stripe time of the state held here, so an older update never overwrites a newer one.
    """

    organizer = models.OneToOneField(
        "organizers.Organizer", on_delete=models.PROTECT, related_name="stripe_account"
    )
    stripe_account_id = models.CharField(max_length=255, unique=True)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    #: Stripe's ``requirements.currently_due`` + ``past_due`` (field paths such as
    #: ``individual.dob.day``), sorted, at most REQUIREMENTS_MAX_ITEMS.
    requirements_due = models.JSONField(default=list, blank=True)
    #: Stripe's ``requirements.disabled_reason`` (``requirements.past_due``, ...) or "".
    disabled_reason = models.CharField(max_length=100, blank=True, default="")
    updated_from_stripe_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.stripe_account_id} ({self.organizer_id})"


class PlatformFeeOverride(TimeStampedModel):
    """A per-organizer platform fee replacing the platform default (settings).

    ``currency`` "" applies to every currency the organizer sells in; a row for a currency wins
    over it for that currency.
    """

    organizer = models.ForeignKey(
        "organizers.Organizer", on_delete=models.CASCADE, related_name="platform_fees"
    )
    currency = models.CharField(max_length=3, blank=True, default="")
    percent_basis_points = models.PositiveIntegerField(help_text="1 bp = 0.01 %; 250 = 2.5 %")
    fixed = models.PositiveIntegerField(help_text="Minor units added per charge")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organizer", "currency"], name="platformfee_unique_currency"
            ),
            models.CheckConstraint(
                condition=Q(percent_basis_points__lte=MAX_BASIS_POINTS),
                name="platformfee_percent_le_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organizer_id} {self.currency or '*'}: {self.percent_basis_points} bp"


# --- Stripe Checkout and webhooks (payments/stripe/checkout.py, settle.py, webhooks.py) ---------


class CheckoutStatus(models.TextChoices):
    OPEN = "open", "Waiting for the buyer on Stripe"
    PROCESSING = "processing", "Payment processing"
    PAID = "paid", "Paid (order confirmed)"
    REFUND_PENDING = "refund_pending", "Refund being sent"
    REFUNDED = "refunded", "Refunded"
    EXPIRED = "expired", "Expired unpaid"
    FAILED = "failed", "Payment failed"


#: A checkout in one of these states may still change on Stripe's side: the reconciler asks.
UNSETTLED_CHECKOUT_STATUSES = (
    CheckoutStatus.OPEN,
    CheckoutStatus.PROCESSING,
    CheckoutStatus.REFUND_PENDING,
)
#: Final: money ended as exactly one paid order or one refund.
SETTLED_CHECKOUT_STATUSES = (CheckoutStatus.PAID, CheckoutStatus.REFUNDED)


class StripeCheckout(TimeStampedModel):
    """One Stripe Checkout Session made for an order (one per payment attempt).

    Organizer-owned (RLS). ``status`` moves forward only: a settled checkout (paid or refunded)
    never changes again, so duplicate, late or out-of-order events change nothing.
    """

    organizer = models.ForeignKey(
        "organizers.Organizer", on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="stripe_checkouts"
    )
    attempt = models.PositiveIntegerField()
    session_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        max_length=16, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    application_fee = models.PositiveIntegerField(default=0)
    destination_account = models.CharField(max_length=255)
    payment_intent_id = models.CharField(max_length=255, blank=True, default="")
    refund_id = models.CharField(max_length=255, blank=True, default="")
    #: Why the money went back (``no_capacity``, ``already_paid``, ``order_closed``...).
    refund_reason = models.CharField(max_length=32, blank=True, default="")
    session_expires_at = models.DateTimeField()
    #: Last time the reconciler asked Stripe about this session.
    checked_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "attempt"], name="stripecheckout_attempt")
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.session_id} ({self.status})"


class StripeEvent(models.Model):
    """A verified Stripe webhook event, stored once (unique ``event_id``) and processed by the
    worker. Platform-level (no organizer): the web role may only insert rows (RLS, migration
    0004); the worker reads and updates them in the system context."""

    # A client-side primary key: the web role inserts without ``RETURNING`` (it cannot read).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    account = models.CharField(max_length=255, blank=True, default="")
    livemode = models.BooleanField(default=False)
    stripe_created = models.DateTimeField()
    payload = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    #: What processing did (``paid``, ``refunded``, ``ignored``, ``deferred``...).
    outcome = models.CharField(max_length=32, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["processed_at", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


# --- Refunds and disputes (payments/refunds.py, payments/disputes.py) --------------------------


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SUCCEEDED = "succeeded", "Refunded"
    FAILED = "failed", "Failed"


class RefundSource(models.TextChoices):
    ORGANIZER = "organizer", "Refunded from the order page"
    STRIPE_DASHBOARD = "stripe_dashboard", "Refunded in Stripe's dashboard"
    OUTSIDE = "outside", "Money returned outside the platform"


class Refund(TimeStampedModel):
    """Money going back to a buyer for (part of) an order. Organizer-owned (RLS).

    Created ``requested`` before Stripe is asked (its id makes the Stripe idempotency key, so a
    retry never refunds twice), then ``succeeded`` (with the Stripe refund id) or ``failed``.
    A refund of an order paid outside Stripe is ``succeeded`` at once with source ``outside``.
    """

    organizer = models.ForeignKey(
        "organizers.Organizer", on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.REQUESTED
    )
    source = models.CharField(max_length=16, choices=RefundSource.choices)
    #: Minor units returned to the buyer (0 only for a free order: tickets cancelled, no money).
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    #: The part of the platform fee given back with it (Stripe refunds; ledger).
    platform_fee_refund = models.PositiveIntegerField(default=0)
    #: The tickets this refund cancels (ids); empty for a refund of an amount only.
    ticket_ids = models.JSONField(default=list, blank=True)
    #: Every remaining ticket is cancelled and the order becomes ``refunded``.
    full = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True, default="")
    payment_intent_id = models.CharField(max_length=255, blank=True, default="")
    stripe_refund_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    failure_message = models.CharField(max_length=255, blank=True, default="")
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Refund {self.pk} of {self.order_id}: {self.amount} {self.currency}"


class Dispute(TimeStampedModel):
    """A buyer's bank disputed a charge, or asked about it first (an inquiry). Organizer-owned.

    Kept as Stripe's ``charge.dispute.*`` events show it (``payments/disputes.py``): the status
    only moves forward, and the money fields only grow, so events in any order end the same.
    """

    organizer = models.ForeignKey(
        "organizers.Organizer", on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    charge_id = models.CharField(max_length=255)
    amount = models.PositiveIntegerField()
    #: Stripe's dispute fee, taken with the withdrawal.
    fee = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    #: Stripe's reason (``fraudulent``, ``product_not_received``...) and latest status.
    reason = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=64, blank=True, default="")
    stripe_created = models.DateTimeField()
    #: Money Stripe's balance transactions of the dispute show: withdrawn from the balance,
    #: reinstated to it, and the part of the dispute fee given back (0 while nothing moved).
    withdrawn = models.PositiveIntegerField(default=0)
    reinstated = models.PositiveIntegerField(default=0)
    fee_returned = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stripe_dispute_id} ({self.order_id})"

    @property
    def is_inquiry(self) -> bool:
        """An inquiry (Stripe's ``warning_*`` statuses): the bank asks, no money withdrawn."""
        return self.status.startswith("warning_") and not self.withdrawn
