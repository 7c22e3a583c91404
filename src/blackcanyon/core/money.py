"""Money in integer minor units with an ISO 4217 currency. Never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# Minor-unit exponents for currencies that differ from the usual two decimals.
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3}
SUPPORTED_CURRENCIES = (
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "NZD",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "JPY",
    "MXN",
)
CURRENCY_CHOICES = [(c, c) for c in SUPPORTED_CURRENCIES]
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"Not an ISO 4217 code: {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, n: int) -> Money:
        return Money(self.amount * n, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"Cannot mix {self.currency} and {other.currency}")

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def format(self) -> str:
        value = self.to_decimal()
        digits = exponent(self.currency)
        sign = "-" if value < 0 else ""
        text = f"{abs(value):,.{digits}f}"
        symbol = _SYMBOLS.get(self.currency)
        return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {self.currency}"

    def __str__(self) -> str:
        return self.format()


# What a person types as an amount: "12", "12.50", ".5", or with thousands separators
# "1,250.00". No exponents ("1e3"), no NaN/Infinity, and no decimal comma: "12,50" is refused
# rather than read as 1250.
_PLAIN_AMOUNT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED_AMOUNT = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def parse_major(text: str, currency: str) -> int:
    """Parse a price typed in major units ("12.50") into minor units (1250); raises ValueError."""
    if not isinstance(text, str):
        raise TypeError("parse_major takes the typed text, never a float")
    cleaned = text.strip()
    if _GROUPED_AMOUNT.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    elif not _PLAIN_AMOUNT.fullmatch(cleaned):
        raise ValueError(f"Not an amount: {text!r} (commas may only separate thousands)")
    value = Decimal(cleaned)
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} has at most {exponent(currency)} decimals")
    return int(scaled)
