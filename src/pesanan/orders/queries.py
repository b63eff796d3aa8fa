"""Order reads: one order with its lines, lists with filters, the timeline, customer stats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, false, func, select, union_all

from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.core.money import fmt
from pesanan.core.schema import document_number
from pesanan.db.paging import Sort, page
from pesanan.orders.models import order_event, order_line, sales_order

# Read-only selectables of order rows, for the floors above that must join them in SQL (a page
# of fulfilment orders shows each one's order number, a pick list its lines' SKUs, in one
# statement): the public columns, never the tables.
order_ref = select(sales_order.c.id, sales_order.c.number).subquery("order_ref")
order_line_ref = select(order_line.c.id, order_line.c.sku, order_line.c.name, order_line.c.line_no
                        ).subquery("order_line_ref")


def order_number(n: int) -> str:
    return f"SO-{n:06d}"


def line_view(r: Mapping[Any, Any], currency: str) -> dict[str, Any]:
    return {
        "id": r["id"], "line_no": r["line_no"], "product_id": r["product_id"], "sku": r["sku"],
        "name": r["name"], "quantity": r["quantity"],
        "quantity_shipped": r["quantity_shipped"],
        "unit_price": fmt(r["unit_price"], currency),
        "tax_rate": str(r["tax_rate"].normalize() + 0),
        "subtotal": fmt(r["subtotal"], currency), "tax": fmt(r["tax"], currency),
        "total": fmt(r["total"], currency),
    }


def order_view(o: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]] | None) -> dict[str, Any]:
    cur = o["currency"]
    view = {
        "id": o["id"], "number": order_number(o["number"]), "channel": o["channel"],
        "customer_id": o["customer_id"], "currency": cur, "status": str(o["status"]),
        "financial_status": str(o["financial_status"]),
        "fulfillment_status": str(o["fulfillment_status"]),
        "subtotal": fmt(o["subtotal"], cur), "tax_total": fmt(o["tax_total"], cur),
        "total": fmt(o["total"], cur), "amount_invoiced": fmt(o["amount_invoiced"], cur),
        "amount_paid": fmt(o["amount_paid"], cur),
        # Absent on a just-placed order's dict (the column defaults to 0).
        "amount_refunded": fmt(Decimal(o.get("amount_refunded") or 0), cur),
        "balance_due": fmt(o["total"] - o["amount_paid"], cur),
        "keyed_by": o["keyed_by"], "keyed_at_location_id": o["keyed_at_location_id"],
        "shipping_address": o["shipping_address"], "note": o["note"], "version": o["version"],
        "placed_at": rfc3339(o["placed_at"]), "updated_at": rfc3339(o["updated_at"]),
    }
    if lines is not None:
        view["lines"] = [line_view(x, cur) for x in lines]
    return view


def get_order(conn: Connection, order_id: str) -> dict[str, Any]:
    o = conn.execute(select(sales_order).where(sales_order.c.id == order_id)).mappings().first()
    if o is None:
        raise NotFound(f"order {order_id} not found")
    lines = conn.execute(
        select(order_line).where(order_line.c.order_id == order_id).order_by(order_line.c.line_no)
    ).mappings().all()
    return order_view(o, lines)


def order_lines(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        select(order_line).where(order_line.c.order_id == order_id).order_by(order_line.c.line_no)
    ).mappings()]


def numbers(conn: Connection, ids: list[str]) -> dict[str, str]:
    """Order numbers (SO-000123) by id, for lists that link to orders (one query per page)."""
    if not ids:
        return {}
    rows = conn.execute(select(sales_order.c.id, sales_order.c.number)
                        .where(sales_order.c.id.in_(set(ids))))
    return {r.id: order_number(r.number) for r in rows}


def list_orders(
    conn: Connection, *, limit: int = 50, cursor: str | None = None, status: str | None = None,
    financial_status: str | None = None, fulfillment_status: str | None = None,
    channel: str | None = None, customer_id: str | None = None,
    created_at_min: datetime | None = None, created_at_max: datetime | None = None,
    search: str | None = None, customer_ids: Select[tuple[str]] | None = None,
    sort: Sort | None = None,
) -> dict[str, Any]:
    """`search` matches an order number (SO-000123 or 123) or, through `customer_ids` (the
    customers the caller matched with the same text, as a subquery), the customer."""
    stmt = select(sales_order)
    if search:
        digits = search.strip().upper().removeprefix("SO-").lstrip("0")
        # Each match is its own indexed lookup (number; customer_id), unioned, rather than an
        # OR that PostgreSQL can only check row by row along the id order.
        matches = []
        if (number := document_number(digits)) is not None:
            matches.append(select(sales_order.c.id).where(sales_order.c.number == number))
        if customer_ids is not None:
            matches.append(select(sales_order.c.id)
                           .where(sales_order.c.customer_id.in_(customer_ids)))
        stmt = stmt.where(sales_order.c.id.in_(union_all(*matches)) if len(matches) > 1
                          else sales_order.c.id.in_(matches[0]) if matches else false())
    for col, value in ((sales_order.c.status, status),
                       (sales_order.c.financial_status, financial_status),
                       (sales_order.c.fulfillment_status, fulfillment_status),
                       (sales_order.c.channel, channel),
                       (sales_order.c.customer_id, customer_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    if created_at_min is not None:
        stmt = stmt.where(sales_order.c.placed_at >= created_at_min)
    if created_at_max is not None:
        stmt = stmt.where(sales_order.c.placed_at < created_at_max)
    rows, nxt = page(conn, stmt, sales_order.c.id, limit, cursor, sort)
    return {"items": [order_view(r, None) for r in rows], "next_cursor": nxt}


def timeline(conn: Connection, order_id: str) -> dict[str, Any]:
    if conn.execute(select(sales_order.c.id).where(sales_order.c.id == order_id)).first() is None:
        raise NotFound(f"order {order_id} not found")
    rows = conn.execute(
        select(order_event).where(order_event.c.order_id == order_id).order_by(order_event.c.id)
    ).mappings()
    return {"items": [
        {"id": r["id"], "kind": r["kind"], "field": r["field"], "from_status": r["from_status"],
         "to_status": r["to_status"], "message": r["message"], "actor": r["actor"],
         "occurred_at": rfc3339(r["occurred_at"])}
        for r in rows
    ], "next_cursor": None}


def customer_stats(conn: Connection, customer_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Order count, lifetime value per currency (cancelled orders excluded), last order."""
    out: dict[str, dict[str, Any]] = {
        cid: {"order_count": 0, "lifetime_value": {}, "last_order_at": None}
        for cid in customer_ids
    }
    if not customer_ids:
        return out
    rows = conn.execute(
        select(sales_order.c.customer_id, sales_order.c.currency, func.count().label("n"),
               func.sum(sales_order.c.total).label("value"),
               func.max(sales_order.c.placed_at).label("last"))
        .where(sales_order.c.customer_id.in_(customer_ids), sales_order.c.status != "cancelled")
        .group_by(sales_order.c.customer_id, sales_order.c.currency)
    ).mappings()
    for r in rows:
        s = out[r["customer_id"]]
        s["order_count"] += r["n"]
        s["lifetime_value"][r["currency"]] = fmt(r["value"], r["currency"])
        last = rfc3339(r["last"]) if r["last"] is not None else None
        if last and (s["last_order_at"] is None or last > s["last_order_at"]):
            s["last_order_at"] = last
    return out


def recent_for_customer(conn: Connection, customer_id: str, n: int = 10) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(sales_order).where(sales_order.c.customer_id == customer_id)
        .order_by(sales_order.c.id.desc()).limit(n)
    ).mappings()
    return [{k: v for k, v in order_view(r, None).items()
             if k in ("id", "number", "channel", "status", "financial_status",
                      "fulfillment_status", "total", "currency", "placed_at")} for r in rows]


def resolve_order(conn: Connection, ref: str) -> str:
    """An order id from its id or number (SO-000123 or 123), as typed on the command line
    (surrounding blanks ignored)."""
    digits = ref.strip().upper().removeprefix("SO-").lstrip("0")
    cond = sales_order.c.id == ref.strip()
    if (number := document_number(digits)) is not None:
        cond = cond | (sales_order.c.number == number)
    found = conn.execute(select(sales_order.c.id).where(cond)).scalar()
    if found is None:
        raise NotFound(f"order {ref} not found")
    return str(found)


def shipping_address(conn: Connection, order_id: str) -> Any:
    """Where the order goes (None for an unknown order)."""
    return conn.execute(select(sales_order.c.shipping_address)
                        .where(sales_order.c.id == order_id)).scalar()


def ship_to(conn: Connection, order_id: str) -> Any:
    """The order's shipping address and note, as a pick list shows them."""
    return conn.execute(select(sales_order.c.shipping_address, sales_order.c.note)
                        .where(sales_order.c.id == order_id)).one()
