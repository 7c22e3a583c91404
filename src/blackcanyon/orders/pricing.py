"""The one place order totals are computed (DESIGN rule 4). Pure functions, integer minor units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from blackcanyon.orders.models import DiscountCode, DiscountKind


@dataclass(frozen=True, slots=True)
class LineInput:
    ticket_type_id: int
    quantity: int
    unit_price: int


@dataclass(frozen=True, slots=True)
class PricedLine:
    ticket_type_id: int
    quantity: int
    unit_price: int
    unit_discount: int

    @property
    def total(self) -> int:
        return (self.unit_price - self.unit_discount) * self.quantity


@dataclass(frozen=True, slots=True)
class Quote:
    lines: tuple[PricedLine, ...]
    subtotal: int
    discount_total: int
    total: int


def unit_discount(*, unit_price: int, kind: str, value: int) -> int:
    """Discount on one ticket: percent rounds half up to the minor unit; never above the price."""
    if kind == DiscountKind.PERCENT:
        discount = (unit_price * value + 50) // 100
    elif kind == DiscountKind.FIXED:
        discount = value
    else:
        discount = 0
    return max(0, min(discount, unit_price))


def quote(
    *, lines: Sequence[LineInput], code: DiscountCode | None, eligible_type_ids: frozenset[int]
) -> Quote:
    """Price ``lines``; ``code`` applies to ``eligible_type_ids`` (empty set: every type)."""
    priced = []
    for line in lines:
        applies = code is not None and (
            not eligible_type_ids or line.ticket_type_id in eligible_type_ids
        )
        discount = (
            unit_discount(unit_price=line.unit_price, kind=code.kind, value=code.value)
            if applies and code is not None
            else 0
        )
        priced.append(
            PricedLine(
                ticket_type_id=line.ticket_type_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                unit_discount=discount,
            )
        )
    subtotal = sum(p.unit_price * p.quantity for p in priced)
    discount_total = sum(p.unit_discount * p.quantity for p in priced)
    return Quote(
        lines=tuple(priced),
        subtotal=subtotal,
        discount_total=discount_total,
        total=subtotal - discount_total,
    )
