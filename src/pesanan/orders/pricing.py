"""Pricing (pure): line amounts, tax and totals.

Rounding policy: a line's subtotal is exact (unit price x quantity); its tax is rounded half-up
to the currency's minor unit once, per line; order totals are plain sums of the rounded lines,
so the order always equals the sum of its lines and an invoice can be rebuilt from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.core.money import MAX_STORED_AMOUNT, quantize_minor, storable


class Priceable(Protocol):
    """What an order line takes from the catalogue item it sells (the catalogue read that
    place order and edit make, flows/availability.CatalogItem, is one)."""

    @property
    def id(self) -> str: ...
    @property
    def sku(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def tax_rate(self) -> Decimal: ...
    @property
    def active(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class PricedLine:
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def price_line(unit_price: Decimal, quantity: int, tax_rate: Decimal, currency: str) -> PricedLine:
    subtotal = quantize_minor(unit_price * quantity, currency)
    tax = quantize_minor(subtotal * tax_rate, currency)
    return PricedLine(quantity, unit_price, tax_rate, subtotal, tax, subtotal + tax)


def totals(lines: list[PricedLine]) -> Totals:
    subtotal = sum((line.subtotal for line in lines), Decimal(0))
    tax = sum((line.tax for line in lines), Decimal(0))
    return Totals(subtotal, tax, subtotal + tax)


def require_storable(total: Decimal, field: str = "lines") -> None:
    """Every line's price fits the money column, but a total of many lines may not (1,000
    lines at 99,999,999,999,999.99): refuse the order rather than fail writing it."""
    if not storable(total):
        raise ValidationFailed(
            "The order total is too large to record",
            [FieldError(field, "total_too_large",
                        f"the total {total} is over the most an order can hold "
                        f"({MAX_STORED_AMOUNT.normalize():f})")])
