"""The platform fee: what the platform keeps from each charge made for an organizer.

Policy (docs/payments.md):

* A fee is ``percent`` of the charged amount plus a ``fixed`` amount, in integer minor units.
* The platform default comes from settings (``PLATFORM_FEE_PERCENT`` as basis points,
  ``PLATFORM_FEE_FIXED`` per currency); an organizer may have an override (``PlatformFeeOverride``)
  for one currency or for all of them. Most specific wins: organizer + currency, organizer (any
  currency), platform default for the currency, platform default.
* Rounding: the percent part rounds **half up** to the minor unit,
  ``(amount * bp + 5000) // 10000``; then the fixed part is added; the fee is capped at the amount
  (the organizer never owes money on a sale) and is 0 for an amount of 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from blackcanyon.core import tenancy
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments.fee_config import ANY_CURRENCY, MAX_BASIS_POINTS
from blackcanyon.payments.models import PlatformFeeOverride

BASIS_POINT_DIVISOR = 10_000


@dataclass(frozen=True, slots=True)
class FeePolicy:
    percent_basis_points: int
    fixed: int
    #: "organizer" when an override applies, "platform" for the default.
    source: str = "platform"

    def __post_init__(self) -> None:
        if not 0 <= self.percent_basis_points <= MAX_BASIS_POINTS:
            raise ValueError("percent_basis_points must be between 0 and 10000")
        if self.fixed < 0:
            raise ValueError("fixed must not be negative")

    @property
    def percent_text(self) -> str:
        """``250`` → ``"2.5"``, ``300`` → ``"3"`` (for display)."""
        whole, rest = divmod(self.percent_basis_points, 100)
        return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") if rest else str(whole)


def fee_for_amount(*, amount: int, policy: FeePolicy) -> int:
    """Pure: the fee on ``amount`` minor units under ``policy`` (rounding in the module doc).

    Always ``0 <= fee <= amount``. Raises ``ValueError`` for a negative or non-int amount.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise ValueError("amount must be a non-negative int of minor units")
    if amount == 0:
        return 0
    percent_part = (amount * policy.percent_basis_points + BASIS_POINT_DIVISOR // 2) // (
        BASIS_POINT_DIVISOR
    )
    return min(amount, percent_part + policy.fixed)


def platform_default_policy(*, currency: str) -> FeePolicy:
    """The platform's default fee for ``currency`` (from settings)."""
    fixed_by_currency: dict[str, int] = settings.BCT_PLATFORM_FEE_FIXED
    fixed = fixed_by_currency.get(currency.upper(), fixed_by_currency.get(ANY_CURRENCY, 0))
    return FeePolicy(percent_basis_points=settings.BCT_PLATFORM_FEE_BASIS_POINTS, fixed=fixed)


def fee_policy_for(*, organizer: Organizer, currency: str) -> FeePolicy:
    """The fee policy that applies to ``organizer``'s charges in ``currency`` (most specific
    override first, then the platform default)."""
    currency = currency.upper()
    with tenancy.for_organizer(organizer.pk):
        overrides = {
            row.currency: row
            for row in PlatformFeeOverride.objects.filter(
                organizer=organizer, currency__in=[currency, ""]
            )
        }
    override = overrides.get(currency) or overrides.get("")
    if override is None:
        return platform_default_policy(currency=currency)
    return FeePolicy(
        percent_basis_points=override.percent_basis_points,
        fixed=override.fixed,
        source="organizer",
    )


def platform_fee(*, organizer: Organizer, amount: int, currency: str) -> int:
    """The platform fee, in minor units of ``currency``, on a charge of ``amount`` for
    ``organizer``: ``0 <= fee <= amount``. Raises ``ValueError`` for a negative amount."""
    return fee_for_amount(
        amount=amount, policy=fee_policy_for(organizer=organizer, currency=currency)
    )
