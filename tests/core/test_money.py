"""Money: integer minor units with a currency; never floats, never mixed currencies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from blackcanyon.core.money import Money, exponent, parse_major


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1250, "USD", "$12.50"),
        (5, "USD", "$0.05"),
        (0, "EUR", "€0.00"),
        (123456789, "USD", "$1,234,567.89"),
        (1500, "JPY", "¥1,500"),
        (999, "GBP", "£9.99"),
        (12345, "SEK", "123.45 SEK"),
        (-500, "USD", "-$5.00"),
        (-123456, "SEK", "-1,234.56 SEK"),
    ],
)
def test_money_is_shown_with_symbol_grouping_and_the_currencys_decimals(
    amount: int, currency: str, shown: str
) -> None:
    # Given an amount in minor units, When it is formatted, Then buyers see the usual notation
    assert Money(amount, currency).format() == shown
    assert str(Money(amount, currency)) == shown


def test_yen_has_no_minor_unit_and_dollars_have_two() -> None:
    assert exponent("JPY") == 0
    assert exponent("usd") == 2
    assert Money(1500, "JPY").to_decimal() == Decimal(1500)
    assert Money(1250, "USD").to_decimal() == Decimal("12.50")


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("12.50", "USD", 1250),
        ("12.5", "USD", 1250),
        ("12", "USD", 1200),
        (" 0.99 ", "EUR", 99),
        ("0", "USD", 0),
        (".5", "USD", 50),
        ("1,250.00", "USD", 125000),
        ("1,000,000", "USD", 100000000),
        ("1500", "JPY", 1500),
        ("1,500", "JPY", 1500),
    ],
)
def test_typed_prices_become_minor_units(typed: str, currency: str, minor: int) -> None:
    assert parse_major(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency"),
    [("12.345", "USD"), ("0.001", "EUR"), ("1500.5", "JPY")],
)
def test_more_decimals_than_the_currency_has_are_rejected(typed: str, currency: str) -> None:
    # Given a price with fractions of a cent (or of a yen)
    # When it is parsed, Then it is refused instead of silently rounded
    with pytest.raises(ValueError, match="decimals"):
        parse_major(typed, currency)


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "abc", "12.50 USD", "$12.50", "NaN", "Infinity", "1e3", "12,50", "1,2,3", "1.2.3"],
)
def test_text_that_is_not_an_amount_is_a_value_error(typed: str) -> None:
    # Given junk, an exponent or a decimal comma ("12,50" must never become 1,250.00)
    # When it is parsed, Then a ValueError (which forms turn into a field error) is raised
    with pytest.raises(ValueError, match="Not an amount"):
        parse_major(typed, "USD")


def test_floats_are_rejected_everywhere() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")
    with pytest.raises(TypeError):
        Money(1000, "USD") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        parse_major(12.5, "USD")  # type: ignore[arg-type]


def test_arithmetic_keeps_the_currency() -> None:
    ticket = Money(2500, "USD")
    assert ticket * 3 == Money(7500, "USD")
    assert ticket + Money(150, "USD") == Money(2650, "USD")
    assert ticket - ticket == Money(0, "USD")
    assert (ticket - ticket).is_zero


@pytest.mark.parametrize("op", ["add", "sub"])
def test_mixing_currencies_raises(op: str) -> None:
    dollars, euros = Money(100, "USD"), Money(100, "EUR")
    with pytest.raises(ValueError, match="Cannot mix USD and EUR"):
        _ = dollars + euros if op == "add" else dollars - euros


@pytest.mark.parametrize("code", ["usd", "US", "DOLLAR", ""])
def test_currency_must_be_an_iso_code(code: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(100, code)
