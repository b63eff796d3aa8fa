"""The three orthogonal order statuses and their allowed transitions (pure).

Each table maps a status to the statuses it may move to. Services change a status only through
`check`, then write it as a compare-and-set so a concurrent change is detected, not overwritten.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pesanan.core.errors import InvalidTransition


class OrderStatus(StrEnum):
    OPEN = "open"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class FinancialStatus(StrEnum):
    PENDING = "pending"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class FulfillmentStatus(StrEnum):
    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"


ORDER: dict[str, frozenset[str]] = {
    "open": frozenset({"on_hold", "completed", "cancelled"}),
    "on_hold": frozenset({"open", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
FINANCIAL: dict[str, frozenset[str]] = {
    "pending": frozenset({"partially_paid", "paid"}),
    # Returns can refund part of a partly paid order (what was paid, never more).
    "partially_paid": frozenset({"paid", "partially_refunded", "refunded"}),
    "paid": frozenset({"partially_refunded", "refunded"}),
    "partially_refunded": frozenset({"refunded"}),
    "refunded": frozenset(),
}
FULFILLMENT: dict[str, frozenset[str]] = {
    "unfulfilled": frozenset({"partially_fulfilled", "fulfilled"}),
    "partially_fulfilled": frozenset({"fulfilled"}),
    "fulfilled": frozenset(),
}
TABLES = {"status": ORDER, "financial_status": FINANCIAL, "fulfillment_status": FULFILLMENT}


def can(field: str, current: str, target: str) -> bool:
    return target in TABLES[field].get(current, frozenset())


def check(field: str, current: str, target: str) -> None:
    if not can(field, current, target):
        label = field.replace("_", " ")
        raise InvalidTransition(f"order {label} cannot change from {current} to {target}")


def financial_for(paid_amount: Decimal, total: Decimal) -> str:
    """The financial status that a paid amount implies."""
    if paid_amount == 0:
        return FinancialStatus.PENDING
    if paid_amount >= total:
        return FinancialStatus.PAID
    return FinancialStatus.PARTIALLY_PAID


def fulfillment_for(shipped: int, ordered: int) -> str:
    if shipped == 0:
        return FulfillmentStatus.UNFULFILLED
    if shipped >= ordered:
        return FulfillmentStatus.FULFILLED
    return FulfillmentStatus.PARTIALLY_FULFILLED


def is_complete(status: str, financial: str, fulfillment: str, all_delivered: bool) -> bool:
    """An open order completes when everything is shipped, delivered and paid."""
    return (
        status == OrderStatus.OPEN
        and financial == FinancialStatus.PAID
        and fulfillment == FulfillmentStatus.FULFILLED
        and all_delivered
    )
