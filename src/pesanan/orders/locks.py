"""Every row lock (FOR UPDATE) on the orders tables, in one place.

Lock order: a command on an order locks the order row first (ship, invoice, pay, cancel, edit,
hold, return), then the rows of lower domains (stock in inventory/locks.py order). So two
commands on one order run one after the other and never deadlock on the order row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pesanan.core.errors import NotFound
from pesanan.orders.models import hold_rule, sales_order


def order_row(conn: Connection, order_id: str) -> dict[str, Any]:
    """Read an order and hold its row lock to the end of the transaction: commands on one order
    (ship, invoice, pay, cancel) then run one after the other."""
    row = conn.execute(
        select(sales_order).where(sales_order.c.id == order_id).with_for_update()
    ).mappings().first()
    if row is None:
        raise NotFound(f"order {order_id} not found")
    return dict(row)


def hold_rule_row(conn: Connection, rule_id: str) -> dict[str, Any]:
    """Read a hold rule and lock it, so two changes to one rule apply one after the other."""
    row = conn.execute(select(hold_rule).where(hold_rule.c.id == rule_id).with_for_update()
                       ).mappings().first()
    if row is None:
        raise NotFound(f"hold rule {rule_id} not found")
    return dict(row)
