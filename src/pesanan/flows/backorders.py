"""Backorders across domains: release them when stock is received, and list them with their
orders' numbers and SKUs.

Release on receipt: the received units at a location are reserved for the product's open
backorders, oldest first (ids are time-ordered), skipping orders that are not open or on hold
and orders of a channel the location does not serve; each order's timeline says so, and the
units reserved for an open order are released to fulfilment (a held one waits for its release).

Lock order (inventory/backorders.py): the stock row, then the backorder rows, then the product
rows (inventory gives the backorder room back last).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pesanan.core.clock import rfc3339
from pesanan.db.paging import page
from pesanan.flows import locks as flow_locks
from pesanan.flows import release
from pesanan.inventory import backorders, locks
from pesanan.inventory.backorders import Fill
from pesanan.inventory.queries import backorder_ref
from pesanan.orders import service as orders
from pesanan.orders.queries import order_line_ref, order_number, order_ref


def release_on_receipt(conn: Connection, product_id: str, location_id: str, qty: int) -> int:
    """Reserve up to `qty` just-received units at `location_id` for the product's open
    backorders; returns the units reserved. Call after the receipt has put the units on hand.

    Safety stock does not hold back received units from backorders: they are sales already
    made, and safety stock exists to keep units for the next ones."""
    code, served = backorders.receiving_location(conn, location_id)
    left = min(qty, locks.stock_available(conn, product_id, location_id))
    if left <= 0:
        return 0
    fills: list[Fill] = []
    for row in flow_locks.open_backorders(conn, product_id):
        if left == 0:
            break
        if served and row.channel not in served:
            continue
        take = min(left, row.quantity_open)
        fills.append(Fill(row.id, row.order_id, row.order_line_id, row.quantity_open, take))
        left -= take
    if not fills:
        return 0
    backorders.fill(conn, product_id, location_id, fills)
    for f in fills:
        orders.note_event(conn, f.order_id, "backorder.released",
                          f"{f.take} backordered unit(s) reserved at {code} on receipt"
                          + ("" if f.left else " (backorder filled)")
                          + (f"; {f.left} still on backorder" if f.left else ""), None)
    for order_id in sorted({f.order_id for f in fills}):
        release.release_order(conn, order_id, None)
    return sum(f.take for f in fills)


# --- reads ------------------------------------------------------------------------------------

def backorder_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "order_id": r["order_id"], "order_number": order_number(r["number"]),
            "order_line_id": r["order_line_id"], "product_id": r["product_id"],
            "sku": r["sku"], "quantity": r["quantity"], "quantity_open": r["quantity_open"],
            "status": r["status"], "created_at": rfc3339(r["created_at"]),
            "updated_at": rfc3339(r["updated_at"])}


def list_backorders(conn: Connection, *, status: str | None = None, sku: str | None = None,
                    order_id: str | None = None, product_id: str | None = None,
                    limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """A page of backorders with their order's number and the line's SKU. One statement
    joining orders' read-only selectables: the SKU filter and the keyset page must apply to
    the same rows, which reading backorders first and asking orders after could not do."""
    stmt = (select(backorder_ref, order_ref.c.number, order_line_ref.c.sku)
            .join(order_ref, order_ref.c.id == backorder_ref.c.order_id)
            .join(order_line_ref, order_line_ref.c.id == backorder_ref.c.order_line_id))
    if status:
        stmt = stmt.where(backorder_ref.c.status == status)
    if sku:
        stmt = stmt.where(order_line_ref.c.sku == sku)
    if order_id:
        stmt = stmt.where(backorder_ref.c.order_id == order_id)
    if product_id:
        stmt = stmt.where(backorder_ref.c.product_id == product_id)
    rows, nxt = page(conn, stmt, backorder_ref.c.id, limit, cursor)
    return {"items": [backorder_view(r) for r in rows], "next_cursor": nxt}
