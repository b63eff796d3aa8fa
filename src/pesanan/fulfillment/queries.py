"""Shipment reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.db.paging import page
from pesanan.db.types import Amount
from pesanan.fulfillment.models import shipment, shipment_line
from pesanan.orders import queries as orders


def shipment_number(n: int) -> str:
    return f"SH-{n:06d}"


def line_view(r: Mapping[str, Any], order_line: Mapping[str, Any]) -> dict[str, Any]:
    # SKU and name come from the order line: a shipment line is always one of the order's.
    return {"id": r["id"], "order_line_id": r["order_line_id"], "product_id": r["product_id"],
            "sku": order_line["sku"], "name": order_line["name"], "quantity": r["quantity"]}


def shipment_view(s: Mapping[Any, Any], lines: Sequence[Mapping[str, Any]] | None,
                  order_lines: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": s["id"], "number": shipment_number(s["number"]), "order_id": s["order_id"],
        "location_id": s["location_id"], "carrier": s["carrier"], "service": s["service"],
        "tracking_number": s["tracking_number"], "status": s["status"],
        "shipped_at": rfc3339(s["shipped_at"]),
        "delivered_at": rfc3339(s["delivered_at"]) if s["delivered_at"] else None,
        "fulfilment_order_id": s["fulfilment_order_id"], "tracking_url": s["tracking_url"],
        "failed_at": rfc3339(s["failed_at"]) if s["failed_at"] else None,
        "failure_reason": s["failure_reason"],
    }
    if lines is not None:
        assert order_lines is not None
        view["lines"] = [line_view(x, order_lines[x["order_line_id"]]) for x in lines]
    return view


def shipment_row(conn: Connection, shipment_id: str) -> dict[str, Any]:
    row = conn.execute(select(shipment).where(shipment.c.id == shipment_id)).mappings().first()
    if row is None:
        raise NotFound(f"shipment {shipment_id} not found")
    return dict(row)


def _lines_of(conn: Connection, shipment_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {sid: [] for sid in shipment_ids}
    rows = conn.execute(
        select(shipment_line).where(shipment_line.c.shipment_id.in_(shipment_ids))
        .order_by(shipment_line.c.id)
    ).mappings()
    for r in rows:
        out[r["shipment_id"]].append(dict(r))
    return out


def get_shipment(conn: Connection, shipment_id: str) -> dict[str, Any]:
    s = shipment_row(conn, shipment_id)
    order_lines = {x["id"]: x for x in orders.order_lines(conn, s["order_id"])}
    return shipment_view(s, _lines_of(conn, [shipment_id])[shipment_id], order_lines)


def order_shipments(conn: Connection, order_id: str) -> dict[str, Any]:
    """Every shipment of one order with its lines, oldest first (an order has a handful)."""
    order = orders.get_order(conn, order_id)  # NotFound for an unknown order
    order_lines = {x["id"]: x for x in order["lines"]}
    rows = conn.execute(
        select(shipment).where(shipment.c.order_id == order_id).order_by(shipment.c.id)
    ).mappings().all()
    lines = _lines_of(conn, [r["id"] for r in rows])
    return {"items": [shipment_view(r, lines[r["id"]], order_lines) for r in rows],
            "next_cursor": None}


def list_shipments(
    conn: Connection, *, limit: int = 50, cursor: str | None = None,
    order_id: str | None = None, status: str | None = None,
    created_at_min: datetime | None = None, created_at_max: datetime | None = None,
) -> dict[str, Any]:
    """Newest first, without lines (like the order list); GET one shipment for its lines."""
    stmt = select(shipment)
    if order_id is not None:
        stmt = stmt.where(shipment.c.order_id == order_id)
    if status is not None:
        stmt = stmt.where(shipment.c.status == status)
    if created_at_min is not None:
        stmt = stmt.where(shipment.c.shipped_at >= created_at_min)
    if created_at_max is not None:
        stmt = stmt.where(shipment.c.shipped_at < created_at_max)
    rows, nxt = page(conn, stmt, shipment.c.id, limit, cursor)
    return {"items": [shipment_view(r, None) for r in rows], "next_cursor": nxt}


def all_delivered(conn: Connection, order_id: str) -> bool:
    """True when the order has shipments and every one of them is delivered."""
    total, delivered = conn.execute(
        select(func.count(), func.count().filter(shipment.c.status == "delivered"))
        .where(shipment.c.order_id == order_id)
    ).one()
    return bool(total) and total == delivered


def delivered_per_line(conn: Connection, order_id: str) -> dict[str, tuple[int, Decimal]]:
    """Per order line: (units delivered, their average unit cost as shipped, 4 decimals);
    delivered = the units of the order's shipments in status delivered (what returns may take
    back, at the cost it left at)."""
    rows = conn.execute(
        select(shipment_line.c.order_line_id, func.sum(shipment_line.c.quantity),
               func.sum(shipment_line.c.unit_cost * shipment_line.c.quantity, type_=Amount))
        .select_from(shipment_line.join(shipment))
        .where(shipment.c.order_id == order_id, shipment.c.status == "delivered")
        .group_by(shipment_line.c.order_line_id)).all()
    # unit_cost * quantity is summed on the scaled integers, so it comes back exact.
    return {lid: (int(q), (Decimal(v) / int(q)).quantize(Decimal("0.0001"), ROUND_HALF_UP))
            for lid, q, v in rows if q}
