"""Which commands an order allows right now (pure): the console shows only these buttons, and
the services enforce the same rules on their own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def allowed(order: dict[str, Any]) -> set[str]:
    """`order` is an order view (statuses and money as decimal strings)."""
    status, fulfil = order["status"], order["fulfillment_status"]
    total = Decimal(order["total"])
    invoiced = Decimal(order["amount_invoiced"])
    paid = Decimal(order["amount_paid"])
    out: set[str] = set()
    if status in ("open", "on_hold") and fulfil == "unfulfilled" and invoiced == 0:
        out.add("cancel")
    if status == "open" and fulfil != "fulfilled":
        out.add("ship")
    if status in ("open", "completed") and invoiced < total:
        out.add("invoice")
    if status != "cancelled" and paid < invoiced:
        out.add("pay")
    return out
