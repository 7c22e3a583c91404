"""The platform fee: settings parsing, the pure fee computation (unit + property tests) and the
per-organizer override."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blackcanyon.core import tenancy
from blackcanyon.payments.fee_config import parse_fixed, parse_percent
from blackcanyon.payments.fees import FeePolicy, fee_for_amount, fee_policy_for, platform_fee
from blackcanyon.payments.models import PlatformFeeOverride
from tests.factories import OrganizerFactory

# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "basis_points"),
    [("2.5", 250), ("0", 0), ("", 0), ("100", 10000), ("1.25", 125), (" 3 ", 300)],
)
def test_percent_is_read_as_basis_points(text: str, basis_points: int) -> None:
    assert parse_percent(text) == basis_points


@pytest.mark.parametrize("text", ["2.555", "-1", "101", "abc", "NaN", "Infinity", "1e400"])
def test_a_percent_that_would_round_or_make_no_sense_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="PLATFORM_FEE_PERCENT"):
        parse_percent(text)


def test_fixed_fee_for_every_currency_or_per_currency() -> None:
    assert parse_fixed("30") == {"*": 30}
    assert parse_fixed("") == {"*": 0}
    assert parse_fixed("usd:30, EUR:25,JPY:40,5") == {"*": 5, "USD": 30, "EUR": 25, "JPY": 40}


@pytest.mark.parametrize("text", ["0.30", "USD:-1", "US:30", "USD:abc", "DOLLAR:3"])
def test_a_fixed_fee_that_is_not_whole_minor_units_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="PLATFORM_FEE_FIXED"):
        parse_fixed(text)


# --- the computation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "basis_points", "fixed", "fee"),
    [
        (10000, 250, 30, 280),  # $100.00 at 2.5 % + $0.30
        (2500, 250, 30, 93),  # 62.5 rounds half up to 63, + 30
        (2499, 250, 30, 92),  # 62.475 rounds down to 62
        (20, 250, 30, 20),  # never more than the amount itself
        (0, 250, 30, 0),  # nothing charged, nothing kept
        (999, 0, 0, 0),
        (999, 10000, 0, 999),
    ],
)
def test_fee_rounds_half_up_and_is_capped_at_the_amount(
    amount: int, basis_points: int, fixed: int, fee: int
) -> None:
    policy = FeePolicy(percent_basis_points=basis_points, fixed=fixed)
    assert fee_for_amount(amount=amount, policy=policy) == fee


@pytest.mark.parametrize("amount", [-1, 1.5, True])
def test_fee_refuses_an_amount_that_is_not_minor_units(amount: Any) -> None:
    with pytest.raises(ValueError, match="minor units"):
        fee_for_amount(amount=amount, policy=FeePolicy(percent_basis_points=250, fixed=30))


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    basis_points=st.integers(min_value=0, max_value=10000),
    fixed=st.integers(min_value=0, max_value=10**6),
)
def test_fee_is_never_negative_never_above_the_amount_and_exact(
    amount: int, basis_points: int, fixed: int
) -> None:
    fee = fee_for_amount(
        amount=amount, policy=FeePolicy(percent_basis_points=basis_points, fixed=fixed)
    )
    assert isinstance(fee, int)
    assert 0 <= fee <= amount
    # Exactly the true value rounded half up (computed with exact fractions), capped.
    exact = Fraction(amount * basis_points, 10000)
    expected = min(amount, math.floor(exact + Fraction(1, 2)) + fixed) if amount else 0
    assert fee == expected


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    more=st.integers(min_value=0, max_value=10**9),
    basis_points=st.integers(min_value=0, max_value=10000),
    fixed=st.integers(min_value=0, max_value=1000),
)
def test_a_bigger_charge_never_has_a_smaller_fee(
    amount: int, more: int, basis_points: int, fixed: int
) -> None:
    policy = FeePolicy(percent_basis_points=basis_points, fixed=fixed)
    assert fee_for_amount(amount=amount, policy=policy) <= fee_for_amount(
        amount=amount + more, policy=policy
    )


def test_policy_refuses_impossible_rates() -> None:
    with pytest.raises(ValueError, match="between 0 and 10000"):
        FeePolicy(percent_basis_points=10001, fixed=0)
    with pytest.raises(ValueError, match="negative"):
        FeePolicy(percent_basis_points=0, fixed=-1)


def test_percent_text_for_display() -> None:
    assert FeePolicy(percent_basis_points=250, fixed=0).percent_text == "2.5"
    assert FeePolicy(percent_basis_points=300, fixed=0).percent_text == "3"
    assert FeePolicy(percent_basis_points=305, fixed=0).percent_text == "3.05"


# --- platform default and organizer override -----------------------------------------------------


@pytest.mark.django_db
def test_platform_default_applies_without_an_override(settings: Any) -> None:
    # Given a platform fee of 2.5 % + 30 cents (USD), 40 yen (JPY), 10 minor units elsewhere
    settings.BCT_PLATFORM_FEE_BASIS_POINTS = 250
    settings.BCT_PLATFORM_FEE_FIXED = {"*": 10, "USD": 30, "JPY": 40}
    organizer = OrganizerFactory()

    # Then each currency gets its fixed part
    assert platform_fee(organizer=organizer, amount=10000, currency="USD") == 280
    assert platform_fee(organizer=organizer, amount=10000, currency="jpy") == 290
    assert platform_fee(organizer=organizer, amount=10000, currency="EUR") == 260
    assert fee_policy_for(organizer=organizer, currency="USD").source == "platform"


@pytest.mark.django_db
def test_organizer_override_wins_most_specific_first(settings: Any) -> None:
    settings.BCT_PLATFORM_FEE_BASIS_POINTS = 250
    settings.BCT_PLATFORM_FEE_FIXED = {"*": 30}
    organizer, other = OrganizerFactory(), OrganizerFactory()
    # Given an agreed rate of 1 % for every currency, and 0.5 % + 20 in EUR
    with tenancy.for_organizer(organizer.pk):
        PlatformFeeOverride.objects.create(
            organizer=organizer, currency="", percent_basis_points=100, fixed=0
        )
        PlatformFeeOverride.objects.create(
            organizer=organizer, currency="EUR", percent_basis_points=50, fixed=20
        )

    # Then the organizer pays its rates, and another organizer the platform default
    assert platform_fee(organizer=organizer, amount=10000, currency="USD") == 100
    assert platform_fee(organizer=organizer, amount=10000, currency="EUR") == 70
    assert fee_policy_for(organizer=organizer, currency="EUR").source == "organizer"
    assert platform_fee(organizer=other, amount=10000, currency="EUR") == 280


@pytest.mark.django_db
def test_staff_set_an_agreed_rate_which_replaces_the_previous_one(settings: Any) -> None:
    from blackcanyon.core.models import AuditLog
    from blackcanyon.payments.services import PlatformFeeInvalid, platform_fee_override_set

    settings.BCT_PLATFORM_FEE_BASIS_POINTS = 250
    organizer = OrganizerFactory()
    platform_fee_override_set(
        actor=None, organizer=organizer, currency="usd", percent_basis_points=150, fixed=10
    )
    platform_fee_override_set(
        actor=None, organizer=organizer, currency="USD", percent_basis_points=100, fixed=0
    )

    assert platform_fee(organizer=organizer, amount=10000, currency="USD") == 100
    with tenancy.for_organizer(organizer.pk):
        assert PlatformFeeOverride.objects.count() == 1
        assert AuditLog.objects.filter(action="payments.platform_fee.set").count() == 2
    with pytest.raises(PlatformFeeInvalid):
        platform_fee_override_set(
            actor=None, organizer=organizer, currency="", percent_basis_points=10001, fixed=0
        )
    with pytest.raises(PlatformFeeInvalid):
        platform_fee_override_set(
            actor=None, organizer=organizer, currency="XYZ", percent_basis_points=100, fixed=0
        )
