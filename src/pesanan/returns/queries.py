"""Returns reads: one RMA with its lines, lists with filters, what an order may still return
(what was delivered comes from fulfillment.queries, the order lines from orders.queries)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.db.paging import Sort, page
from pesanan.fulfillment import queries as fulfillment_q
from pesanan.orders import queries as orders_q
from pesanan.returns.models import rma, rma_line
from pesanan.returns.status import COUNTS_AGAINST_DELIVERED


def rma_number(year: int, seq: int) -> str:
    return f"RMA-{year}-{seq:06d}"


def line_view(r: Mapping[Any, Any], order_line: Mapping[Any, Any] | None) -> dict[str, Any]:
    return {
        "id": r["id"], "line_no": r["line_no"], "order_line_id": r["order_line_id"],
        "product_id": r["product_id"], "sku": order_line["sku"] if order_line else None,
        "name": order_line["name"] if order_line else None, "quantity": r["quantity"],
        "reason": r["reason"], "disposition": r["disposition"],
    }


def rma_view(r: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]] | None = None,
             order_lines: Mapping[str, Mapping[Any, Any]] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": r["id"], "number": r["number"], "order_id": r["order_id"],
        "customer_id": r["customer_id"], "currency": r["currency"], "status": r["status"],
        "note": r["note"], "decision_note": r["decision_note"], "location_id": r["location_id"],
        "credit_note_id": r["credit_note_id"], "exchange_order_id": r["exchange_order_id"],
        "requested_at": rfc3339(r["requested_at"]), "updated_at": rfc3339(r["updated_at"]),
    }
    if lines is not None:
        ols = order_lines or {}
        view["lines"] = [line_view(x, ols.get(x["order_line_id"])) for x in lines]
    return view


def rma_row(conn: Connection, rma_id: str) -> dict[str, Any]:
    """The RMA as it is now (returns/locks.py locks it for a command)."""
    row = conn.execute(select(rma).where(rma.c.id == rma_id)).mappings().first()
    if row is None:
        raise NotFound(f"return {rma_id} not found")
    return dict(row)


def rma_lines(conn: Connection, rma_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        select(rma_line).where(rma_line.c.rma_id == rma_id).order_by(rma_line.c.line_no)
    ).mappings()]


def get_rma(conn: Connection, rma_id: str) -> dict[str, Any]:
    r = rma_row(conn, rma_id)
    ols = {x["id"]: x for x in orders_q.order_lines(conn, r["order_id"])}
    return rma_view(r, rma_lines(conn, rma_id), ols)


def list_rmas(conn: Connection, *, limit: int = 50, cursor: str | None = None,
              status: str | None = None, order_id: str | None = None,
              customer_id: str | None = None, created_at_min: datetime | None = None,
              created_at_max: datetime | None = None, search: str | None = None,
              sort: Sort | None = None) -> dict[str, Any]:
    stmt = select(rma)
    for col, value in ((rma.c.status, status), (rma.c.order_id, order_id),
                       (rma.c.customer_id, customer_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    if created_at_min is not None:
        stmt = stmt.where(rma.c.requested_at >= created_at_min)
    if created_at_max is not None:
        stmt = stmt.where(rma.c.requested_at < created_at_max)
    if search:
        stmt = stmt.where(rma.c.number.contains(search.strip().upper(), autoescape=True))
    rows, nxt = page(conn, stmt, rma.c.id, limit, cursor, sort)
    return {"items": [rma_view(r) for r in rows], "next_cursor": nxt}


def returned_per_line(conn: Connection, order_id: str) -> dict[str, int]:
    """Units per order line on this order's returns that are not rejected."""
    rows = conn.execute(
        select(rma_line.c.order_line_id, func.sum(rma_line.c.quantity))
        .select_from(rma_line.join(rma))
        .where(rma.c.order_id == order_id, rma.c.status.in_(COUNTS_AGAINST_DELIVERED))
        .group_by(rma_line.c.order_line_id)).all()
    return {lid: int(q) for lid, q in rows}


def for_order(conn: Connection, order_id: str) -> dict[str, Any]:
    """An order's returns and what each of its lines may still return (the order page)."""
    lines = orders_q.order_lines(conn, order_id)
    delivered = fulfillment_q.delivered_per_line(conn, order_id)
    returned = returned_per_line(conn, order_id)
    rows = conn.execute(select(rma).where(rma.c.order_id == order_id).order_by(rma.c.id)
                        ).mappings().all()
    return {"items": [rma_view(r) for r in rows], "returnable": [
        {"order_line_id": x["id"], "sku": x["sku"], "name": x["name"],
         "delivered": delivered.get(x["id"], (0, Decimal(0)))[0],
         "returned": returned.get(x["id"], 0),
         "returnable": max(delivered.get(x["id"], (0, Decimal(0)))[0]
                           - returned.get(x["id"], 0), 0)} for x in lines]}


def resolve(conn: Connection, ref: str) -> str:
    """An RMA id from its id or number (RMA-2026-000001), for the command line."""
    found = conn.execute(select(rma.c.id).where(
        (rma.c.id == ref) | (rma.c.number == ref.strip().upper()))).scalar()
    if found is None:
        raise NotFound(f"return {ref} not found")
    return str(found)
