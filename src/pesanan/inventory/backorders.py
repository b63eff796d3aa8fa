"""Backorders: the part of an order line the SKU's oversell policy let through unreserved.

Lock order (with inventory/locks.py): stock rows, then backorder rows, then product rows. Placing
an order reserves stock before it records backorders; a receipt takes its stock rows in before
it releases backorders; a cancel releases reservations before it cancels backorders. Nobody
takes them the other way round, so none of these can deadlock each other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from pesanan.catalog.models import product
from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import FieldError, InsufficientStock
from pesanan.core.ids import new_id
from pesanan.db.paging import page
from pesanan.events.service import emit
from pesanan.inventory import service as inventory
from pesanan.inventory.models import backorder, location, reservation, stock_level
from pesanan.orders.models import order_line, sales_order
from pesanan.orders.queries import order_number

# Units a product may still put on backorder: the guard is the limit itself, evaluated on the
# locked row, so two orders racing for the last backorder units cannot both get them.
_take_room = (
    update(product)
    .where(product.c.id == bindparam("p"), product.c.oversell_policy == "backorder",
           product.c.backorder_open + bindparam("q") <= product.c.backorder_limit)
    .values(backorder_open=product.c.backorder_open + bindparam("q"))
)
_give_back = (
    update(product)
    .where(product.c.id == bindparam("p"), product.c.backorder_open >= bindparam("q"))
    .values(backorder_open=product.c.backorder_open - bindparam("q"))
)


def record(conn: Connection, order_id: str, items: list[tuple[str, int, str]]) -> None:
    """Write (product_id, quantity, order_line_id) backorders for a new order. The plan checked
    the limit on a read that may be stale; the guarded UPDATE is the authority."""
    per_product: dict[str, int] = {}
    for p, q, _ in items:
        per_product[p] = per_product.get(p, 0) + q
    params = [{"p": p, "q": q} for p, q in sorted(per_product.items())]
    if conn.execute(_take_room, params).rowcount != len(params):
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


def release_on_receipt(conn: Connection, product_id: str, location_id: str, qty: int) -> int:
    """Reserve up to `qty` just-received units at `location_id` for the product's open
    backorders, oldest first (ids are time-ordered), skipping orders the location may not serve.
    Returns the units reserved. Call after the receipt has put the units on hand.

    Safety stock does not hold back received units from backorders: they are sales already
    made, and safety stock exists to keep units for the next ones."""
    loc = conn.execute(select(location.c.code, location.c.channels)
                       .where(location.c.id == location_id)).one()
    served = {x for x in (loc.channels or "").split(",") if x}
    level = conn.execute(
        select(stock_level.c.on_hand - stock_level.c.reserved)
        .where(stock_level.c.product_id == product_id, stock_level.c.location_id == location_id)
        .with_for_update()
    ).scalar()
    left = min(qty, int(level or 0))
    if left <= 0:
        return 0
    open_rows = conn.execute(
        select(backorder.c.id, backorder.c.order_id, backorder.c.order_line_id,
               backorder.c.quantity_open, sales_order.c.channel, sales_order.c.number)
        .join(sales_order, sales_order.c.id == backorder.c.order_id)
        .where(backorder.c.product_id == product_id, backorder.c.status == "open",
               sales_order.c.status.in_(("open", "on_hold")))
        .order_by(backorder.c.id)
        .with_for_update(of=backorder)
    ).all()
    filled: list[tuple[Any, int]] = []
    for row in open_rows:
        if left == 0:
            break
        if served and row.channel not in served:
            continue
        take = min(left, row.quantity_open)
        filled.append((row, take))
        left -= take
    if filled:
        _fill(conn, product_id, location_id, loc.code, filled)
    return sum(take for _, take in filled)


def _fill(conn: Connection, product_id: str, location_id: str, code: str,
          filled: list[tuple[Any, int]]) -> None:
    from pesanan.orders.service import note_event  # orders.service imports this module

    total = sum(take for _, take in filled)
    ts = now()
    done = conn.execute(
        update(stock_level)
        .where(stock_level.c.product_id == product_id, stock_level.c.location_id == location_id,
               stock_level.c.on_hand - stock_level.c.reserved >= total)
        .values(reserved=stock_level.c.reserved + total, updated_at=ts))
    if done.rowcount != 1:  # the row is locked above: only a bug gets here
        raise InsufficientStock("received stock vanished while releasing backorders")
    conn.execute(reservation.insert(), [
        {"id": new_id(), "order_id": row.order_id, "order_line_id": row.order_line_id,
         "product_id": product_id, "location_id": location_id, "quantity": take,
         "status": "open", "created_at": ts} for row, take in filled])
    for row, take in filled:
        left = row.quantity_open - take
        conn.execute(update(backorder).where(backorder.c.id == row.id).values(
            quantity_open=left, status="open" if left else "filled", updated_at=ts))
        note_event(conn, row.order_id, "backorder.released",
                   f"{take} backordered unit(s) reserved at {code} on receipt"
                   + ("" if left else " (backorder filled)")
                   + (f"; {left} still on backorder" if left else ""), None)
        emit(conn, "backorder.released", "order", row.order_id, {
            "order_id": row.order_id, "order_line_id": row.order_line_id,
            "product_id": product_id, "location_id": location_id, "quantity": take,
            "quantity_open": left})
    conn.execute(_give_back, {"p": product_id, "q": total})
    # Units reserved for an open order go to the warehouse now (a held one waits for release).
    from pesanan.flows import release  # step 2 of issue 10 moves this into a flow

    for order_id in sorted({row.order_id for row, _ in filled}):
        release.release_order(conn, order_id, None)


def cancel_for_order(conn: Connection, order_id: str, line_ids: list[str] | None = None
                     ) -> int:
    """Cancel the order's open backorders (or only those of `line_ids`); returns the units.

    Cancelling a whole order: the caller has released its reservations already; a receipt that
    committed meanwhile may have reserved units for a backorder we now hold locked, so those
    reservations are released again here (a no-op otherwise)."""
    stmt = (select(backorder.c.id, backorder.c.product_id, backorder.c.quantity_open)
            .where(backorder.c.order_id == order_id, backorder.c.status == "open")
            .order_by(backorder.c.id).with_for_update())
    if line_ids is not None:
        stmt = stmt.where(backorder.c.order_line_id.in_(line_ids))
    rows = conn.execute(stmt).all()
    if line_ids is None:
        inventory.release_for_order(conn, order_id)
    if not rows:
        return 0
    conn.execute(update(backorder).where(backorder.c.id.in_([r.id for r in rows]))
                 .values(quantity_open=0, status="cancelled", updated_at=now()))
    per_product: dict[str, int] = {}
    for r in rows:
        per_product[r.product_id] = per_product.get(r.product_id, 0) + r.quantity_open
    conn.execute(_give_back, [{"p": p, "q": q} for p, q in sorted(per_product.items()) if q])
    units = sum(per_product.values())
    emit(conn, "backorder.cancelled", "order", order_id,
         {"order_id": order_id, "quantity": units})
    return units


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
    stmt = (select(backorder, sales_order.c.number, order_line.c.sku)
            .join(sales_order, sales_order.c.id == backorder.c.order_id)
            .join(order_line, order_line.c.id == backorder.c.order_line_id))
    if status:
        stmt = stmt.where(backorder.c.status == status)
    if sku:
        stmt = stmt.where(order_line.c.sku == sku)
    if order_id:
        stmt = stmt.where(backorder.c.order_id == order_id)
    if product_id:
        stmt = stmt.where(backorder.c.product_id == product_id)
    rows, nxt = page(conn, stmt, backorder.c.id, limit, cursor)
    return {"items": [backorder_view(r) for r in rows], "next_cursor": nxt}


def open_units(conn: Connection, product_id: str) -> int:
    return int(conn.execute(
        select(func.coalesce(func.sum(backorder.c.quantity_open), 0))
        .where(backorder.c.product_id == product_id, backorder.c.status == "open")
    ).scalar_one())
