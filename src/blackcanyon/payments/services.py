"""Writes of payment settings that are not Stripe calls (those are in ``stripe/connect.py``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from blackcanyon.core import audit, tenancy
from blackcanyon.core.errors import ValidationFailed
from blackcanyon.core.money import SUPPORTED_CURRENCIES
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments.fees import FeePolicy
from blackcanyon.payments.models import PlatformFeeOverride


class PlatformFeeInvalid(ValidationFailed):
    code = "platform_fee_invalid"
    default_message = "The platform fee must be 0 to 100 % plus a non-negative fixed amount."


def platform_fee_override_set(
    *,
    actor: Any,
    organizer: Organizer,
    currency: str,
    percent_basis_points: int,
    fixed: int,
) -> PlatformFeeOverride:
    """Set the organizer's agreed platform fee for ``currency`` ("" = every currency), replacing
    any previous one for it (platform staff; audited as ``payments.platform_fee.set``).

    Raises ``PlatformFeeInvalid`` for a rate outside 0-10000 bp, a negative fixed part or an
    unsupported currency.
    """
    currency = currency.upper()
    if currency and currency not in SUPPORTED_CURRENCIES:
        raise PlatformFeeInvalid(fields={"currency": ["Not a supported currency."]})
    try:
        FeePolicy(percent_basis_points=percent_basis_points, fixed=fixed)
    except (ValueError, TypeError):
        raise PlatformFeeInvalid() from None
    with tenancy.for_organizer(organizer.pk), transaction.atomic():
        override, _ = PlatformFeeOverride.objects.update_or_create(
            organizer=organizer,
            currency=currency,
            defaults={"percent_basis_points": percent_basis_points, "fixed": fixed},
        )
        audit.record(
            actor=actor,
            action="payments.platform_fee.set",
            organizer=organizer,
            obj=override,
            data={
                "currency": currency,
                "percent_basis_points": percent_basis_points,
                "fixed": fixed,
            },
        )
    return override
