"""Organizer-owned payment settings: the Stripe Connect account and platform fee overrides.

Both tables are organizer-owned and under row-level security (migration 0002).
"""

from __future__ import annotations

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
