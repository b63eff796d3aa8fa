"""Purchasing reads: suppliers, offers, reorder rules, purchase orders, and the stock positions
that replenish decides on.

Reads join what they show of other domains through those domains' read-only selectables
(catalog's `product_ref`, inventory's `stock_ref`), never their tables; every *write* to
another domain goes through that domain's service. Row locks are in purchasing/locks.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Select, func, select, tuple_

from pesanan.catalog.queries import product_ref
from pesanan.core.clock import rfc3339
from pesanan.core.errors import FieldError, NotFound, ValidationFailed
from pesanan.core.money import fmt
from pesanan.db.paging import MAX_LIMIT, Sort, decode_cursor, encode_cursor, page
from pesanan.inventory.queries import stock_ref
from pesanan.purchasing import reorder
from pesanan.purchasing.models import (
    purchase_order,
    purchase_order_line,
    reorder_rule,
    supplier,
    supplier_offer,
)
from pesanan.purchasing.status import OPEN


def po_number(n: int) -> str:
    return f"PO-{n:06d}"


# --- suppliers ---------------------------------------------------------------------------------

def supplier_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {"id": r["id"], "name": r["name"], "email": r["email"], "currency": r["currency"],
            "created_at": rfc3339(r["created_at"])}


def supplier_row(conn: Connection, supplier_id: str) -> dict[str, Any] | None:
    r = conn.execute(select(supplier).where(supplier.c.id == supplier_id)).mappings().first()
    return None if r is None else dict(r)


def get_supplier(conn: Connection, supplier_id: str) -> dict[str, Any]:
    r = supplier_row(conn, supplier_id)
    if r is None:
        raise NotFound(f"supplier {supplier_id} not found")
    return supplier_view(r)


def list_suppliers(conn: Connection, *, limit: int = 50, cursor: str | None = None
                   ) -> dict[str, Any]:
    rows, nxt = page(conn, select(supplier), supplier.c.id, limit, cursor)
    return {"items": [supplier_view(r) for r in rows], "next_cursor": nxt}


# --- offers ------------------------------------------------------------------------------------

_offers = select(supplier_offer, product_ref.c.sku).join(
    product_ref, product_ref.c.id == supplier_offer.c.product_id)


def offer_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {"id": r["id"], "supplier_id": r["supplier_id"], "product_id": r["product_id"],
            "sku": r["sku"], "price": fmt(r["price"], r["currency"]), "currency": r["currency"],
            "lead_time_days": r["lead_time_days"], "min_order_qty": r["min_order_qty"],
            "created_at": rfc3339(r["created_at"])}


def get_offer(conn: Connection, offer_id: str) -> dict[str, Any]:
    r = conn.execute(_offers.where(supplier_offer.c.id == offer_id)).mappings().first()
    if r is None:
        raise NotFound(f"supplier offer {offer_id} not found")
    return offer_view(r)


def list_offers(conn: Connection, *, sku: str | None = None, supplier_id: str | None = None,
                limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    stmt = _offers
    if sku:
        stmt = stmt.where(product_ref.c.sku == sku)
    if supplier_id:
        stmt = stmt.where(supplier_offer.c.supplier_id == supplier_id)
    rows, nxt = page(conn, stmt, supplier_offer.c.id, limit, cursor)
    return {"items": [offer_view(r) for r in rows], "next_cursor": nxt}


def offers_of_supplier(conn: Connection, supplier_id: str, product_ids: Iterable[str]
                       ) -> dict[str, reorder.Offer]:
    rows = conn.execute(select(supplier_offer).where(
        supplier_offer.c.supplier_id == supplier_id,
        supplier_offer.c.product_id.in_(list(product_ids)))).mappings()
    return {r["product_id"]: _offer(r) for r in rows}


def offers_by_product(conn: Connection, product_ids: Iterable[str]
                      ) -> dict[str, list[reorder.Offer]]:
    out: dict[str, list[reorder.Offer]] = {}
    rows = conn.execute(select(supplier_offer).where(
        supplier_offer.c.product_id.in_(list(product_ids)))).mappings()
    for r in rows:
        out.setdefault(r["product_id"], []).append(_offer(r))
    return out


def _offer(r: Mapping[Any, Any]) -> reorder.Offer:
    return reorder.Offer(r["id"], r["supplier_id"], r["price"], r["lead_time_days"],
                         r["min_order_qty"])


# --- reorder rules -----------------------------------------------------------------------------

_rules = select(reorder_rule, product_ref.c.sku).join(
    product_ref, product_ref.c.id == reorder_rule.c.product_id)


def rule_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {"sku": r["sku"], "product_id": r["product_id"], "location_id": r["location_id"],
            "reorder_point": r["reorder_point"], "reorder_qty": r["reorder_qty"]}


def get_rule(conn: Connection, product_id: str, location_id: str) -> dict[str, Any]:
    r = conn.execute(_rules.where(reorder_rule.c.product_id == product_id,
                                  reorder_rule.c.location_id == location_id)).mappings().one()
    return rule_view(r)


def list_rules(conn: Connection, *, sku: str | None = None, location_id: str | None = None,
               limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Rules ordered by (product id, location id); the cursor is the last pair seen."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}",
                               [FieldError("limit", "out_of_range", f"1..{MAX_LIMIT}")])
    stmt = _rules.order_by(reorder_rule.c.product_id, reorder_rule.c.location_id)
    if sku:
        stmt = stmt.where(product_ref.c.sku == sku)
    if location_id:
        stmt = stmt.where(reorder_rule.c.location_id == location_id)
    if cursor:
        first, _, second = cursor.partition(".")
        stmt = stmt.where(tuple_(reorder_rule.c.product_id, reorder_rule.c.location_id)
                          > tuple_(decode_cursor(first), decode_cursor(second)))
    rows = conn.execute(stmt.limit(limit + 1)).mappings().all()
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = encode_cursor(last["product_id"]) + "." + encode_cursor(last["location_id"])
    return {"items": [rule_view(r) for r in rows[:limit]], "next_cursor": nxt}


# --- purchase orders ---------------------------------------------------------------------------

_pos = select(purchase_order, supplier.c.name.label("supplier_name")).join(
    supplier, supplier.c.id == purchase_order.c.supplier_id)


def line_view(r: Mapping[Any, Any], currency: str) -> dict[str, Any]:
    return {"id": r["id"], "product_id": r["product_id"], "sku": r["sku"],
            "quantity": r["quantity"], "quantity_received": r["quantity_received"],
            "quantity_outstanding": r["quantity"] - r["quantity_received"],
            "unit_cost": fmt(r["unit_cost"], currency),
            "total": fmt(r["unit_cost"] * r["quantity"], currency)}


def po_view(po: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]]) -> dict[str, Any]:
    cur = po["currency"]
    return {
        "id": po["id"], "number": po_number(po["number"]), "supplier_id": po["supplier_id"],
        "supplier_name": po["supplier_name"], "location_id": po["location_id"],
        "status": po["status"], "currency": cur, "total": fmt(po["total"], cur),
        "expected_at": rfc3339(po["expected_at"]) if po["expected_at"] else None,
        "created_at": rfc3339(po["created_at"]), "updated_at": rfc3339(po["updated_at"]),
        "lines": [line_view(x, cur) for x in lines],
    }


def po_lines(conn: Connection, po_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Lines (with SKU) of the given purchase orders, in the order they were written."""
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in po_ids}
    rows = conn.execute(
        select(purchase_order_line, product_ref.c.sku)
        .join(product_ref, product_ref.c.id == purchase_order_line.c.product_id)
        .where(purchase_order_line.c.purchase_order_id.in_(list(po_ids)))
        .order_by(purchase_order_line.c.id)
    ).mappings()
    for r in rows:
        out[r["purchase_order_id"]].append(dict(r))
    return out


def get_purchase_order(conn: Connection, po_id: str) -> dict[str, Any]:
    po = conn.execute(_pos.where(purchase_order.c.id == po_id)).mappings().first()
    if po is None:
        raise NotFound(f"purchase order {po_id} not found")
    return po_view(po, po_lines(conn, [po_id])[po_id])


def po_numbers(conn: Connection, po_ids: Iterable[str]) -> dict[str, str]:
    """Readable numbers of the given purchase orders, by id (to label references to them)."""
    ids = list(po_ids)
    if not ids:
        return {}
    rows = conn.execute(select(purchase_order.c.id, purchase_order.c.number)
                        .where(purchase_order.c.id.in_(ids)))
    return {r.id: po_number(r.number) for r in rows}


def list_purchase_orders(
    conn: Connection, *, status: str | None = None, supplier_id: str | None = None,
    location_id: str | None = None, limit: int = 50, cursor: str | None = None,
    sort: Sort | None = None,
) -> dict[str, Any]:
    stmt: Select[Any] = _pos
    if status:
        stmt = stmt.where(purchase_order.c.status == status)
    if supplier_id:
        stmt = stmt.where(purchase_order.c.supplier_id == supplier_id)
    if location_id:
        stmt = stmt.where(purchase_order.c.location_id == location_id)
    rows, nxt = page(conn, stmt, purchase_order.c.id, limit, cursor, sort)
    lines = po_lines(conn, [r["id"] for r in rows]) if rows else {}
    return {"items": [po_view(r, lines[r["id"]]) for r in rows], "next_cursor": nxt}


# --- replenish ---------------------------------------------------------------------------------

def reorder_positions(conn: Connection) -> list[reorder.Position]:
    """Every active SKU's stock position where it has a reorder rule, read in one statement so
    available and incoming come from one snapshot (a receipt moves units from one to the other).
    """
    po, line = purchase_order, purchase_order_line
    incoming = (
        select(line.c.product_id, po.c.location_id,
               func.sum(line.c.quantity - line.c.quantity_received).label("qty"))
        .join(po, po.c.id == line.c.purchase_order_id)
        .where(po.c.status.in_(sorted(s.value for s in OPEN)))
        .group_by(line.c.product_id, po.c.location_id)
        .subquery()
    )
    r, p, s = reorder_rule, product_ref, stock_ref
    stmt = (
        select(r.c.product_id, r.c.location_id, r.c.reorder_point, r.c.reorder_qty, p.c.sku,
               func.coalesce(s.c.on_hand - s.c.reserved, 0).label("available"),
               func.coalesce(incoming.c.qty, 0).label("incoming"))
        .join(p, p.c.id == r.c.product_id)
        .outerjoin(s, (s.c.product_id == r.c.product_id) & (s.c.location_id == r.c.location_id))
        .outerjoin(incoming, (incoming.c.product_id == r.c.product_id)
                   & (incoming.c.location_id == r.c.location_id))
        .where(p.c.active.is_(True))
        .order_by(r.c.product_id, r.c.location_id)
    )
    return [reorder.Position(x.product_id, x.location_id, int(x.available), int(x.incoming),
                             x.reorder_point, x.reorder_qty, x.sku) for x in conn.execute(stmt)]
