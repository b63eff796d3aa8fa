"""Fulfilment order reads: one with its lines and shipments, the queue, the pick list.

A page shows each fulfilment order's order number and location, and each line's SKU and name,
in one statement: they join the order and inventory domains' read-only selectables
(`order_ref`, `order_line_ref`, `location_ref`), never their tables."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.db.paging import page
from pesanan.fulfillment.models import fulfilment_order, fulfilment_order_line, shipment
from pesanan.fulfillment.numbers import fo_number
from pesanan.fulfillment.queries import shipment_number
from pesanan.inventory.queries import location_ref
from pesanan.orders import queries as orders
from pesanan.orders.queries import order_line_ref, order_ref

_units = (
    select(fulfilment_order_line.c.fulfilment_order_id.label("fo_id"),
           func.sum(fulfilment_order_line.c.quantity).label("units"),
           func.sum(fulfilment_order_line.c.quantity_shipped).label("units_shipped"))
    .group_by(fulfilment_order_line.c.fulfilment_order_id)
    .subquery("units")
)


def _head() -> Any:
    return (
        select(fulfilment_order, order_ref.c.number.label("order_no"),
               location_ref.c.code.label("location_code"),
               location_ref.c.name.label("location_name"),
               location_ref.c.kind.label("location_kind"), _units.c.units, _units.c.units_shipped)
        .join(order_ref, order_ref.c.id == fulfilment_order.c.order_id)
        .join(location_ref, location_ref.c.id == fulfilment_order.c.location_id)
        .join(_units, _units.c.fo_id == fulfilment_order.c.id)
    )


def fo_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": r["id"], "number": fo_number(r["order_no"], r["seq"]), "order_id": r["order_id"],
        "order_number": fo_number(r["order_no"], r["seq"]).rsplit("-", 1)[0],
        "location_id": r["location_id"], "location_code": r["location_code"],
        "location_kind": r["location_kind"], "status": r["status"],
        "units": int(r["units"] or 0), "units_shipped": int(r["units_shipped"] or 0),
        "created_at": rfc3339(r["created_at"]), "updated_at": rfc3339(r["updated_at"]),
    }


def _head_row(conn: Connection, fo_id: str) -> Mapping[Any, Any]:
    row = conn.execute(_head().where(fulfilment_order.c.id == fo_id)).mappings().first()
    if row is None:
        raise NotFound(f"fulfilment order {fo_id} not found")
    return row


def fo_lines(conn: Connection, fo_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(fulfilment_order_line, order_line_ref.c.sku, order_line_ref.c.name,
               order_line_ref.c.line_no)
        .join(order_line_ref, order_line_ref.c.id == fulfilment_order_line.c.order_line_id)
        .where(fulfilment_order_line.c.fulfilment_order_id == fo_id)
        .order_by(order_line_ref.c.line_no)
    ).mappings().all()
    return [{"id": r["id"], "order_line_id": r["order_line_id"], "product_id": r["product_id"],
             "sku": r["sku"], "name": r["name"], "line_no": r["line_no"],
             "quantity": r["quantity"], "quantity_picked": r["quantity_picked"],
             "quantity_shipped": r["quantity_shipped"],
             "quantity_remaining": r["quantity"] - r["quantity_shipped"]} for r in rows]


def get_fulfilment_order(conn: Connection, fo_id: str) -> dict[str, Any]:
    view = fo_view(_head_row(conn, fo_id))
    view["lines"] = [{k: v for k, v in x.items() if k != "line_no"}
                     for x in fo_lines(conn, fo_id)]
    view["shipments"] = [
        {"id": s["id"], "number": shipment_number(s["number"]), "status": s["status"],
         "carrier": s["carrier"], "tracking_number": s["tracking_number"],
         "tracking_url": s["tracking_url"]}
        for s in conn.execute(select(shipment).where(shipment.c.fulfilment_order_id == fo_id)
                              .order_by(shipment.c.id)).mappings()]
    return view


def list_fulfilment_orders(
    conn: Connection, *, limit: int = 50, cursor: str | None = None,
    status: str | None = None, location_id: str | None = None, order_id: str | None = None,
    created_at_min: datetime | None = None, created_at_max: datetime | None = None,
    location_code: str | None = None,
) -> dict[str, Any]:
    """Newest first, without lines (GET one for its lines)."""
    stmt = _head()
    if location_code is not None:
        stmt = stmt.where(location_ref.c.code == location_code)
    if status is not None:
        stmt = stmt.where(fulfilment_order.c.status == status)
    if location_id is not None:
        stmt = stmt.where(fulfilment_order.c.location_id == location_id)
    if order_id is not None:
        stmt = stmt.where(fulfilment_order.c.order_id == order_id)
    if created_at_min is not None:
        stmt = stmt.where(fulfilment_order.c.created_at >= created_at_min)
    if created_at_max is not None:
        stmt = stmt.where(fulfilment_order.c.created_at < created_at_max)
    rows, nxt = page(conn, stmt, fulfilment_order.c.id, limit, cursor)
    return {"items": [fo_view(r) for r in rows], "next_cursor": nxt}


def order_fulfilment(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    """Every fulfilment order of one order with its lines, oldest first (a handful)."""
    rows = conn.execute(_head().where(fulfilment_order.c.order_id == order_id)
                        .order_by(fulfilment_order.c.seq)).mappings().all()
    out = []
    for r in rows:
        view = fo_view(r)
        view["lines"] = fo_lines(conn, r["id"])
        out.append(view)
    return out


def pick_list(conn: Connection, fo_id: str) -> dict[str, Any]:
    """What to take off the shelves: units not yet shipped, by SKU (bins are not modelled,
    so SKU order is the walking order)."""
    head = _head_row(conn, fo_id)
    order = orders.ship_to(conn, head["order_id"])
    lines = sorted((x for x in fo_lines(conn, fo_id) if x["quantity_remaining"] > 0),
                   key=lambda x: (x["sku"], x["line_no"]))
    return {
        "fulfilment_order": fo_view(head),
        "location": {"id": head["location_id"], "code": head["location_code"],
                     "name": head["location_name"]},
        "ship_to": order.shipping_address, "note": order.note,
        "lines": [{"sku": x["sku"], "name": x["name"], "quantity": x["quantity_remaining"],
                   "location_code": head["location_code"], "order_line_id": x["order_line_id"]}
                  for x in lines],
        "units": sum(x["quantity_remaining"] for x in lines),
    }
