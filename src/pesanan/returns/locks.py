"""Returns' row locks, as one named concept.

Every return command locks the order row first (as every order command does), then the RMA
row; stock rows after that in the global (product, location) order, and the credit note (and
the credit-note counter) last. So two returns of one order run one after the other: the
"returned <= delivered" check and the refund cap are decided on rows nobody else is changing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from pesanan.core.errors import NotFound
from pesanan.orders import locks as order_locks
from pesanan.returns import queries
from pesanan.returns.models import rma


def rma_row(conn: Connection, rma_id: str) -> dict[str, Any]:
    """The RMA, locked until commit; take its order's lock first (`order_and_rma`)."""
    row = conn.execute(select(rma).where(rma.c.id == rma_id).with_for_update()
                       ).mappings().first()
    if row is None:
        raise NotFound(f"return {rma_id} not found")
    return dict(row)


def order_and_rma(conn: Connection, rma_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Lock the RMA's order, then the RMA (the order first, as every order command does)."""
    row = queries.rma_row(conn, rma_id)
    order = order_locks.order_row(conn, row["order_id"])
    return order, rma_row(conn, rma_id)


def lines_in_stock_lock_order(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """RMA lines in the global stock lock order (inventory/locks.py: product, then location).
    A return is received at one location, so by product (then line, to be deterministic)."""
    return sorted(lines, key=lambda x: (x["product_id"], x["id"]))
