"""Posting rules (pure): which accounts each business event debits and credits.

Every function returns lines that balance by construction; `check_balanced` is still applied to
every entry before it is written, and the database stores debit/credit as one-sided positives.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CASH = "1000"
RECEIVABLE = "1100"
INVENTORY = "1200"
PAYABLE = "2000"
TAX_PAYABLE = "2100"
EQUITY = "3000"
REVENUE = "4000"
COGS = "5000"
INVENTORY_ADJUSTMENTS = "5100"


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


class Unbalanced(ValueError):
    pass


def check_balanced(lines: list[Line]) -> None:
    if not lines:
        raise Unbalanced("a journal entry needs lines")
    for line in lines:
        if line.debit < 0 or line.credit < 0 or (line.debit and line.credit):
            raise Unbalanced(f"line on {line.account} must be one-sided and positive")
    debit = sum((x.debit for x in lines), Decimal(0))
    credit = sum((x.credit for x in lines), Decimal(0))
    if debit != credit:
        raise Unbalanced(f"debits {debit} != credits {credit}")


def _nonzero(lines: list[Line]) -> list[Line]:
    return [x for x in lines if x.debit or x.credit]


def invoice_issued(subtotal: Decimal, tax: Decimal) -> list[Line]:
    return _nonzero([
        Line(RECEIVABLE, debit=subtotal + tax),
        Line(REVENUE, credit=subtotal),
        Line(TAX_PAYABLE, credit=tax),
    ])


def payment_recorded(amount: Decimal) -> list[Line]:
    return [Line(CASH, debit=amount), Line(RECEIVABLE, credit=amount)]


def goods_received(cost: Decimal) -> list[Line]:
    return _nonzero([Line(INVENTORY, debit=cost), Line(PAYABLE, credit=cost)])


def goods_shipped(cost: Decimal) -> list[Line]:
    return _nonzero([Line(COGS, debit=cost), Line(INVENTORY, credit=cost)])


def stock_adjusted(value: Decimal) -> list[Line]:
    """A positive value adds inventory (found stock, opening count); negative writes it off."""
    if value >= 0:
        return _nonzero([Line(INVENTORY, debit=value), Line(INVENTORY_ADJUSTMENTS, credit=value)])
    return _nonzero([Line(INVENTORY_ADJUSTMENTS, debit=-value), Line(INVENTORY, credit=-value)])


def opening_balance(value: Decimal) -> list[Line]:
    """Opening stock brought onto the books: inventory against owner's equity, not against the
    adjustments expense (an opening count is capital brought in, not a gain)."""
    if value < 0:
        raise ValueError("an opening balance adds stock")
    return _nonzero([Line(INVENTORY, debit=value), Line(EQUITY, credit=value)])


def credit_note_issued(subtotal: Decimal, tax: Decimal) -> list[Line]:
    """A credit note reverses revenue and the tax collected on it; the customer's receivable
    drops (below zero when they had paid: we owe them until refunded)."""
    return _nonzero([
        Line(REVENUE, debit=subtotal),
        Line(TAX_PAYABLE, debit=tax),
        Line(RECEIVABLE, credit=subtotal + tax),
    ])


def refund_paid(amount: Decimal) -> list[Line]:
    return [Line(RECEIVABLE, debit=amount), Line(CASH, credit=amount)]


def goods_returned(cost: Decimal) -> list[Line]:
    """Returned units that are ours again (restocked or quarantined): the reverse of
    goods_shipped at the cost they left at. Scrapped units post nothing: their cost stays in
    COGS, which is where a loss on a return belongs."""
    return _nonzero([Line(INVENTORY, debit=cost), Line(COGS, credit=cost)])
