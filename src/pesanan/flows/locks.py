"""Row locks that must read two domains' rows in one statement. Each domain's own locks are in
its locks.py; the few here decide which rows to lock by another domain's state, so they cannot
live in either domain (see each one for why it is one statement).

Lock order (inventory/locks.py): stock rows, then backorder rows, then product rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, select

from pesanan.inventory.models import backorder
from pesanan.orders.models import sales_order


def open_backorders(conn: Connection, product_id: str
                          ) -> Sequence[Row[str, str, str, int, str, int]]:
    """Lock the product's open backorders of orders that may still take stock, oldest first,
    with the order's channel.

    Joined with the order in this one locked statement (not "lock the backorders, then ask
    orders which are open"): only the backorders a receipt may fill are locked, and an order's
    status and channel are read together with the rows they decide about."""
    return conn.execute(
        select(backorder.c.id, backorder.c.order_id, backorder.c.order_line_id,
               backorder.c.quantity_open, sales_order.c.channel, sales_order.c.number)
        .join(sales_order, sales_order.c.id == backorder.c.order_id)
        .where(backorder.c.product_id == product_id, backorder.c.status == "open",
               sales_order.c.status.in_(("open", "on_hold")))
        .order_by(backorder.c.id)
        .with_for_update(of=backorder)
    ).all()
