"""Parsing the platform fee's environment variables. Free of Django imports: settings call it.

* ``PLATFORM_FEE_PERCENT`` — a percentage with at most two decimals (``"2.5"``, ``"0"``), stored
  as **basis points** (``250``; 1 bp = 0.01 %). 0 to 100.
* ``PLATFORM_FEE_FIXED`` — minor units added to every charge. Either one number for every
  currency (``"30"``) or per currency, comma-separated, with an optional bare default:
  ``"USD:30,EUR:25,JPY:40,0"``. Minor units differ by currency (30 = $0.30 but ¥30), hence the
  per-currency form.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

BASIS_POINTS_PER_PERCENT = 100
MAX_BASIS_POINTS = 100 * BASIS_POINTS_PER_PERCENT
#: Key of the fixed fee that applies to currencies not listed.
ANY_CURRENCY = "*"


def parse_percent(text: str) -> int:
    """``"2.5"`` → ``250`` basis points. Raises ``ValueError`` for anything else than 0 to 100 with
    at most two decimals (a float would round silently: refuse instead)."""
    try:
        value = Decimal(text.strip() or "0")
    except InvalidOperation:
        raise ValueError(f"PLATFORM_FEE_PERCENT is not a number: {text!r}") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValueError(f"PLATFORM_FEE_PERCENT must be between 0 and 100, not {text!r}")
    basis_points = value * BASIS_POINTS_PER_PERCENT
    if basis_points != basis_points.to_integral_value():
        raise ValueError(f"PLATFORM_FEE_PERCENT allows at most two decimals, not {text!r}")
    return int(basis_points)


def _minor_units(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"PLATFORM_FEE_FIXED needs whole minor units (30 = 0.30), not {text!r}")
    return int(text)


def parse_fixed(text: str) -> dict[str, int]:
    """``"USD:30,EUR:25,10"`` → ``{"USD": 30, "EUR": 25, "*": 10}``; ``""`` → ``{"*": 0}``."""
    fixed: dict[str, int] = {ANY_CURRENCY: 0}
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        currency, sep, amount = part.rpartition(":")
        if not sep:
            fixed[ANY_CURRENCY] = _minor_units(amount.strip())
            continue
        currency = currency.strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValueError(f"PLATFORM_FEE_FIXED: not a currency code: {currency!r}")
        fixed[currency] = _minor_units(amount.strip())
    return fixed
