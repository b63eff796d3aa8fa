"""The order's financial status after a billing event billing decides itself (pure).

A payment's status comes from orders (orders.status.financial_for); a refund's is billing's
rule: it only ever follows a refund, which billing records (billing.refunds).
"""

from __future__ import annotations

from decimal import Decimal


def financial_after_refund(paid: Decimal, refunded: Decimal) -> str:
    """The order's financial status once `refunded` of `paid` has gone back."""
    return "refunded" if refunded >= paid else "partially_refunded"
