"""Backorders: the part of an order line the SKU's oversell policy let through unreserved.

Inventory's own rows only: record an order's backorders, fill them from received stock (the
choice of which ones, oldest first among open orders, is the receipt flow's:
flows/backorders.py), cancel them. The list with order numbers and SKUs is a flow read too.

Lock order (with inventory/locks.py): stock rows, then backorder rows, then product rows. Placing
an order reserves stock before it records backorders; a receipt takes its stock rows in before
it releases backorders; a cancel releases reservations before it cancels backorders. Nobody
takes them the other way round, so none of these can deadlock each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from pesanan.catalog import backorder_room
from pesanan.core.clock import now
from pesanan.core.errors import FieldError, InsufficientStock
from pesanan.core.ids import new_id
from pesanan.events.service import emit
from pesanan.inventory import locks
from pesanan.inventory import service as inventory
from pesanan.inventory.models import backorder, location, reservation, stock_level


@dataclass(frozen=True, slots=True)
class Fill:
    """`take` received units for one open backorder (its row locked, `quantity_open` read
    under the lock)."""

    backorder_id: str
    order_id: str
    order_line_id: str
    quantity_open: int
    take: int

    @property
    def left(self) -> int:
        return self.quantity_open - self.take


def record(conn: Connection, order_id: str, items: list[tuple[str, int, str]]) -> None:
    """Write (product_id, quantity, order_line_id) backorders for a new order. The plan checked
    the limit on a read that may be stale; the guarded UPDATE is the authority."""
    per_product: dict[str, int] = {}
    for p, q, _ in items:
        per_product[p] = per_product.get(p, 0) + q
    if not backorder_room.take(conn, per_product):
        raise InsufficientStock(
            "the backorder limit was reached while placing the order",
            [FieldError("lines", "backorder_limit", "no backorder room left for a SKU")])
    ts = now()
    rows = [{"id": new_id(), "order_id": order_id, "order_line_id": line_id, "product_id": p,
             "quantity": q, "quantity_open": q, "status": "open", "created_at": ts,
             "updated_at": ts} for p, q, line_id in items]
    conn.execute(backorder.insert(), rows)
    emit(conn, "backorder.created", "order", order_id, {
        "order_id": order_id,
        "lines": [{"order_line_id": r["order_line_id"], "product_id": r["product_id"],
                   "quantity": r["quantity"]} for r in rows]})


def receiving_location(conn: Connection, location_id: str) -> tuple[str, set[str]]:
    """The location's code and the channels it serves (empty: every channel)."""
    loc = conn.execute(select(location.c.code, location.c.channels)
                       .where(location.c.id == location_id)).one()
    return loc.code, {x for x in (loc.channels or "").split(",") if x}


def fill(conn: Connection, product_id: str, location_id: str, fills: list[Fill]) -> None:
    """Reserve the received units for the backorders in `fills` (their rows locked by the
    caller, after the stock row: see the lock order above), move each backorder on, give the
    product's backorder room back; one `backorder.released` event per backorder."""
    total = sum(f.take for f in fills)
    ts = now()
    done = conn.execute(
        update(stock_level)
        .where(stock_level.c.product_id == product_id, stock_level.c.location_id == location_id,
               stock_level.c.on_hand - stock_level.c.reserved >= total)
        .values(reserved=stock_level.c.reserved + total, updated_at=ts))
    if done.rowcount != 1:  # the caller locked the row: only a bug gets here
        raise InsufficientStock("received stock vanished while releasing backorders")
    conn.execute(reservation.insert(), [
        {"id": new_id(), "order_id": f.order_id, "order_line_id": f.order_line_id,
         "product_id": product_id, "location_id": location_id, "quantity": f.take,
         "status": "open", "created_at": ts} for f in fills])
    for f in fills:
        conn.execute(update(backorder).where(backorder.c.id == f.backorder_id).values(
            quantity_open=f.left, status="open" if f.left else "filled", updated_at=ts))
        emit(conn, "backorder.released", "order", f.order_id, {
            "order_id": f.order_id, "order_line_id": f.order_line_id,
            "product_id": product_id, "location_id": location_id, "quantity": f.take,
            "quantity_open": f.left})
    backorder_room.give_back(conn, {product_id: total})


def cancel_for_order(conn: Connection, order_id: str, line_ids: list[str] | None = None
                     ) -> int:
    """Cancel the order's open backorders (or only those of `line_ids`); returns the units.

    Cancelling a whole order: the caller has released its reservations already; a receipt that
    committed meanwhile may have reserved units for a backorder we now hold locked, so those
    reservations are released again here (a no-op otherwise)."""
    rows = locks.order_backorders(conn, order_id, line_ids)
    if line_ids is None:
        inventory.release_for_order(conn, order_id)
    if not rows:
        return 0
    conn.execute(update(backorder).where(backorder.c.id.in_([r.id for r in rows]))
                 .values(quantity_open=0, status="cancelled", updated_at=now()))
    per_product: dict[str, int] = {}
    for r in rows:
        per_product[r.product_id] = per_product.get(r.product_id, 0) + r.quantity_open
    backorder_room.give_back(conn, per_product)
    units = sum(per_product.values())
    emit(conn, "backorder.cancelled", "order", order_id,
         {"order_id": order_id, "quantity": units})
    return units
