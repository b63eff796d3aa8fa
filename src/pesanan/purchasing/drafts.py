"""A draft purchase order's lines: add, change, remove (the console's manual purchase order
and /api/v1/purchase-orders/{id}/lines). Only a draft changes: once submitted the supplier has
the order as it was. Each command locks the order's row first (purchasing/locks.py), so two
edits of one draft run one after the other and the total, recomputed from the lines every
time, is always their sum. A draft keeps at least one line: to drop the last, cancel it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from pesanan.catalog import queries as catalog
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError, Invalid, InvalidTransition, NotFound
from pesanan.core.ids import new_id
from pesanan.core.money import quantize_minor, read_amount
from pesanan.events.service import emit
from pesanan.purchasing import locks
from pesanan.purchasing import queries as qs
from pesanan.purchasing import status as st
from pesanan.purchasing.models import purchase_order, purchase_order_line
from pesanan.purchasing.schemas import PurchaseOrderLineIn, PurchaseOrderLineUpdate
from pesanan.purchasing.service import _po_line as checked_line  # the one rule for a line


def _draft(conn: Connection, po_id: str) -> dict[str, Any]:
    po = locks.purchase_order_row(conn, po_id)
    if po["status"] != st.POStatus.DRAFT:
        raise InvalidTransition(f"a {po['status']} purchase order's lines cannot change: "
                                "only a draft's can")
    return po


def _line(conn: Connection, po_id: str, line_id: str) -> dict[str, Any]:
    row = conn.execute(select(purchase_order_line).where(
        purchase_order_line.c.id == line_id,
        purchase_order_line.c.purchase_order_id == po_id)).mappings().first()
    if row is None:
        raise NotFound(f"line {line_id} of purchase order {po_id} not found")
    return dict(row)


def _changed(conn: Connection, po: dict[str, Any], what: str, actor: Actor
             ) -> dict[str, Any]:
    """Recompute the total from the lines, stamp the order, announce the change."""
    # Summed in Python from the exact Decimals (the column is a scaled integer: SQL would
    # multiply the scaled values), then rounded once, as a drafted order's total is.
    rows = conn.execute(select(purchase_order_line.c.unit_cost, purchase_order_line.c.quantity)
                        .where(purchase_order_line.c.purchase_order_id == po["id"])).all()
    total = sum((Decimal(r.unit_cost) * r.quantity for r in rows), Decimal(0))
    conn.execute(update(purchase_order).where(purchase_order.c.id == po["id"]).values(
        total=quantize_minor(total, po["currency"]), updated_at=now()))
    view = qs.get_purchase_order(conn, po["id"])
    emit(conn, "purchase_order.lines_changed", "purchase_order", po["id"],
         {"id": po["id"], "number": view["number"], "change": what, "total": view["total"],
          "changed_by": actor.name})
    return view


def add_line(conn: Connection, po_id: str, cmd: PurchaseOrderLineIn, actor: Actor
             ) -> dict[str, Any]:
    """Add a SKU (not already on the order); the unit cost defaults to the supplier's offer."""
    po = _draft(conn, po_id)
    inv = Invalid()
    prod = catalog.ids_by_sku(conn, [cmd.sku]).get(cmd.sku)
    offers = qs.offers_of_supplier(conn, po["supplier_id"], [prod["id"]] if prod else [])
    line = checked_line(inv, 0, cmd, prod, offers.get(prod["id"]) if prod else None,
                        po["currency"])
    inv.raise_if_any("The line is invalid")
    assert line is not None
    product_id, qty, cost = line
    if conn.execute(select(purchase_order_line.c.id).where(
            purchase_order_line.c.purchase_order_id == po_id,
            purchase_order_line.c.product_id == product_id)).first():
        raise Conflict(f"SKU {cmd.sku} is already on the order",
                       [FieldError("lines[0].sku", "duplicate",
                                   f"SKU {cmd.sku} is already on the order: change its line")])
    conn.execute(purchase_order_line.insert(), {
        "id": new_id(), "purchase_order_id": po_id, "product_id": product_id,
        "quantity": qty, "quantity_received": 0, "unit_cost": cost})
    return _changed(conn, po, f"added {qty}x {cmd.sku}", actor)


def update_line(conn: Connection, po_id: str, line_id: str, cmd: PurchaseOrderLineUpdate,
                actor: Actor) -> dict[str, Any]:
    po = _draft(conn, po_id)
    line = _line(conn, po_id, line_id)
    inv = Invalid()
    values: dict[str, Any] = {}
    if cmd.quantity is not None:
        values["quantity"] = cmd.quantity
    if cmd.unit_cost is not None:
        values["unit_cost"] = read_amount(cmd.unit_cost, po["currency"], inv, "unit_cost")
        if values["unit_cost"] < 0:
            inv.add("unit_cost", "negative", "a unit cost must not be negative")
    inv.raise_if_any("The line is invalid")
    if not values:
        return qs.get_purchase_order(conn, po_id)
    conn.execute(update(purchase_order_line).where(purchase_order_line.c.id == line_id)
                 .values(**values))
    sku = qs.po_lines(conn, [po_id])[po_id]
    label = next((x["sku"] for x in sku if x["id"] == line_id), line["product_id"])
    return _changed(conn, po, f"changed {label}", actor)


def remove_line(conn: Connection, po_id: str, line_id: str, actor: Actor) -> dict[str, Any]:
    po = _draft(conn, po_id)
    _line(conn, po_id, line_id)
    lines = qs.po_lines(conn, [po_id])[po_id]
    if len(lines) == 1:
        raise Conflict("a purchase order keeps at least one line: cancel it instead",
                       [FieldError("form", "last_line",
                                   "This is the order's only line: cancel the order instead.")])
    sku = next(x["sku"] for x in lines if x["id"] == line_id)
    conn.execute(purchase_order_line.delete().where(purchase_order_line.c.id == line_id))
    return _changed(conn, po, f"removed {sku}", actor)
