"""Locking, as one named concept: every row lock of purchasing.

A purchase order's row is locked before anything on it changes (receipts, submits, cancels of
one order run one after the other); replenish locks every reorder rule first. Nothing here
locks another domain's rows: a receipt's stock rows are locked by inventory, after the order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pesanan.core.errors import NotFound
from pesanan.purchasing.models import purchase_order, reorder_rule


def purchase_order_row(conn: Connection, po_id: str) -> dict[str, Any]:
    """Read a purchase order and hold its row lock to the end of the transaction, so receipts,
    cancels and submits of one order run one after the other."""
    row = conn.execute(
        select(purchase_order).where(purchase_order.c.id == po_id).with_for_update()
    ).mappings().first()
    if row is None:
        raise NotFound(f"purchase order {po_id} not found")
    return dict(row)


def reorder_rules(conn: Connection) -> None:
    """Lock every reorder rule (in key order) until the transaction ends, so two replenish runs
    queue instead of both seeing the same shortfall and both ordering it. The second then reads
    the first's drafts as incoming. (SQLite already has a single writer.)"""
    conn.execute(select(reorder_rule.c.product_id)
                 .order_by(reorder_rule.c.product_id, reorder_rule.c.location_id)
                 .with_for_update()).all()
