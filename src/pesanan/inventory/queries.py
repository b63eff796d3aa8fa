from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, case, func, select, true, tuple_

from pesanan.catalog.models import product
from pesanan.core.clock import rfc3339
from pesanan.core.errors import FieldError, NotFound, ValidationFailed
from pesanan.core.money import fmt
from pesanan.db.paging import MAX_LIMIT, decode_cursor, encode_cursor, page
from pesanan.inventory.models import (
    location,
    quarantine_level,
    stock_level,
    stock_movement,
    stock_transfer,
    stock_transfer_line,
)
from pesanan.purchasing import status as po_status
from pesanan.purchasing.models import purchase_order, purchase_order_line

# Purchase orders whose unreceived quantity is still expected (the same set replenishment
# counts as incoming, drafts included), and transfers still on the way.
OPEN_PO_STATUSES = tuple(sorted(s.value for s in po_status.OPEN))
OPEN_TRANSFER_STATUSES = ("in_transit", "partially_received")


def location_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    channels = r.get("channels")
    return {"id": r["id"], "code": r["code"], "name": r["name"], "kind": r["kind"],
            # sourcing (issue 4): channels null = serves every channel
            "region": r.get("region"), "country": r.get("country"),
            "channels": sorted(channels.split(",")) if channels else None,
            "created_at": rfc3339(r["created_at"])}


def list_locations(conn: Connection, *, limit: int = 50, cursor: str | None = None
                   ) -> dict[str, Any]:
    rows, nxt = page(conn, select(location), location.c.id, limit, cursor)
    return {"items": [location_view(r) for r in rows], "next_cursor": nxt}


def get_location(conn: Connection, location_id: str) -> dict[str, Any]:
    r = conn.execute(select(location).where(location.c.id == location_id)).mappings().first()
    if r is None:
        raise NotFound(f"location {location_id} not found")
    return location_view(r)


def stock_levels(
    conn: Connection, *, sku: str | None = None, location_id: str | None = None,
    limit: int = 250, cursor: str | None = None, q: str | None = None,
) -> dict[str, Any]:
    """Levels ordered by (product id, location id); the cursor is the last pair seen.
    `q` finds SKUs or names containing the text (the console's search box)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}",
                               [FieldError("limit", "out_of_range", f"1..{MAX_LIMIT}")])
    stmt = (
        select(product.c.sku, product.c.name, stock_level.c.product_id,
               stock_level.c.location_id, location.c.code.label("location_code"),
               stock_level.c.on_hand, stock_level.c.reserved, *_state_columns())
        .join(product, product.c.id == stock_level.c.product_id)
        .join(location, location.c.id == stock_level.c.location_id)
        .order_by(stock_level.c.product_id, stock_level.c.location_id)
    )
    if sku:
        stmt = stmt.where(product.c.sku == sku)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(product.c.sku.ilike(like) | product.c.name.ilike(like))
    if location_id:
        stmt = stmt.where(stock_level.c.location_id == location_id)
    if cursor:
        first, _, second = cursor.partition(".")
        after_product, after_location = decode_cursor(first), decode_cursor(second)
        stmt = stmt.where(tuple_(stock_level.c.product_id, stock_level.c.location_id)
                          > tuple_(after_product, after_location))
    rows = conn.execute(stmt.limit(limit + 1)).mappings().all()
    items = [level_view(r) for r in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = encode_cursor(last["product_id"]) + "." + encode_cursor(last["location_id"])
    return {"items": items, "next_cursor": nxt}


def _state_columns() -> list[Any]:
    """Incoming, quarantined and in transit for the level's (product, location), as correlated
    subqueries: evaluated only for the rows of the page, each an indexed lookup."""
    p, loc = stock_level.c.product_id, stock_level.c.location_id
    incoming = (select(func.coalesce(func.sum(
        purchase_order_line.c.quantity - purchase_order_line.c.quantity_received), 0))
        .select_from(purchase_order_line.join(
            purchase_order, purchase_order.c.id == purchase_order_line.c.purchase_order_id))
        .where(purchase_order_line.c.product_id == p, purchase_order.c.location_id == loc,
               purchase_order.c.status.in_(OPEN_PO_STATUSES)))
    quarantined = (select(func.coalesce(func.sum(quarantine_level.c.quantity), 0))
                   .where(quarantine_level.c.product_id == p,
                          quarantine_level.c.location_id == loc))
    in_transit = (select(func.coalesce(func.sum(
        stock_transfer_line.c.quantity_shipped - stock_transfer_line.c.quantity_received), 0))
        .select_from(stock_transfer_line.join(
            stock_transfer, stock_transfer.c.id == stock_transfer_line.c.transfer_id))
        .where(stock_transfer_line.c.product_id == p, stock_transfer.c.to_location_id == loc,
               stock_transfer.c.status.in_(OPEN_TRANSFER_STATUSES)))
    return [incoming.scalar_subquery().label("incoming"),
            quarantined.scalar_subquery().label("quarantined"),
            in_transit.scalar_subquery().label("in_transit")]


def level_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    """One SKU at one location. on_hand is sellable stock; quarantined units and units in
    transit are counted apart and are never available."""
    return {"sku": r["sku"], "name": r["name"], "product_id": r["product_id"],
            "location_id": r["location_id"], "location_code": r["location_code"],
            "on_hand": r["on_hand"], "reserved": r["reserved"],
            "available": r["on_hand"] - r["reserved"], "incoming": int(r["incoming"]),
            "quarantined": int(r["quarantined"]), "in_transit": int(r["in_transit"])}


def level(conn: Connection, product_id: str, location_id: str) -> dict[str, Any]:
    """The full level of one SKU at one location (zeros when there is no row yet)."""
    r = conn.execute(
        select(product.c.sku, product.c.name, stock_level.c.product_id,
               stock_level.c.location_id, location.c.code.label("location_code"),
               stock_level.c.on_hand, stock_level.c.reserved, *_state_columns())
        .join(product, product.c.id == stock_level.c.product_id)
        .join(location, location.c.id == stock_level.c.location_id)
        .where(stock_level.c.product_id == product_id,
               stock_level.c.location_id == location_id)
    ).mappings().first()
    if r is None:
        raise NotFound("no stock level for that SKU and location")
    return level_view(r)


def movements(
    conn: Connection, *, product_id: str | None = None, location_id: str | None = None,
    limit: int = 50, cursor: str | None = None,
) -> dict[str, Any]:
    stmt = select(stock_movement)
    if product_id:
        stmt = stmt.where(stock_movement.c.product_id == product_id)
    if location_id:
        stmt = stmt.where(stock_movement.c.location_id == location_id)
    rows, nxt = page(conn, stmt, stock_movement.c.id, limit, cursor)
    return {"items": [
        {"id": r["id"], "product_id": r["product_id"], "location_id": r["location_id"],
         "quantity": r["quantity"], "kind": r["kind"], "reason": r["reason"],
         "reference_type": r["reference_type"], "reference_id": r["reference_id"],
         "created_at": rfc3339(r["created_at"])}
        for r in rows
    ], "next_cursor": nxt}


def search_with_availability(conn: Connection, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """Active products whose SKU or name contains `q`, with units available summed over every
    location (what an order could reserve right now). An exact SKU match comes first, so a
    scanned or typed SKU is the top hit."""
    text = q.strip().lower()
    if not text:
        return []
    available = func.coalesce(func.sum(stock_level.c.on_hand - stock_level.c.reserved), 0)
    rows = conn.execute(
        select(product.c.id, product.c.sku, product.c.name, product.c.price, product.c.currency,
               available.label("available"))
        .outerjoin(stock_level, stock_level.c.product_id == product.c.id)
        .where(product.c.active == true(),
               product.c.sku.ilike(f"%{text}%") | product.c.name.ilike(f"%{text}%"))
        .group_by(product.c.id, product.c.sku, product.c.name, product.c.price,
                  product.c.currency)
        .order_by(case((func.lower(product.c.sku) == text, 0), else_=1), product.c.sku)
        .limit(limit)
    ).mappings()
    return [{"product_id": r["id"], "sku": r["sku"], "name": r["name"],
             "price": fmt(r["price"], r["currency"]), "currency": r["currency"],
             "available": int(r["available"])} for r in rows]
