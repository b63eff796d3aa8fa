"""Stock levels as the API, console and CLI show them: inventory's figures of each (SKU,
location) plus the units incoming on open purchase orders.

Inventory owns the level rows; purchasing owns "incoming" and sits above inventory, so the read
that combines them lives here: inventory builds the page (one statement) and this module adds
its figure as a correlated subquery on the row's product and location.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Label, func, select

from pesanan.inventory import queries as inventory
from pesanan.purchasing.models import purchase_order, purchase_order_line
from pesanan.purchasing.status import OPEN

# Purchase orders whose unreceived quantity is still expected (the same set replenishment
# counts as incoming, drafts included).
OPEN_PO_STATUSES = tuple(sorted(s.value for s in OPEN))


def incoming(product_id: ColumnElement[str], location_id: ColumnElement[str]
             ) -> list[Label[Any]]:
    """Units ordered and not yet received for the level's product at its location."""
    line, po = purchase_order_line, purchase_order
    units = (select(func.coalesce(func.sum(line.c.quantity - line.c.quantity_received), 0))
             .select_from(line.join(po, po.c.id == line.c.purchase_order_id))
             .where(line.c.product_id == product_id, po.c.location_id == location_id,
                    po.c.status.in_(OPEN_PO_STATUSES)))
    return [units.scalar_subquery().label("incoming")]


def stock_levels(
    conn: Connection, *, sku: str | None = None, location_id: str | None = None,
    limit: int = 250, cursor: str | None = None, q: str | None = None,
) -> dict[str, Any]:
    """Levels ordered by (product id, location id); the cursor is the last pair seen.
    `q` finds SKUs or names containing the text (the console's search box)."""
    return inventory.stock_levels(conn, sku=sku, location_id=location_id, limit=limit,
                                  cursor=cursor, q=q, more=incoming)


def level(conn: Connection, product_id: str, location_id: str) -> dict[str, Any]:
    """The full level of one SKU at one location, incoming included."""
    return inventory.level(conn, product_id, location_id, incoming)
