"""Inventory reads: locations, stock levels (with the SKU and name from the catalogue), movements.

A stock level row shows on hand, reserved, quarantined and in transit; a floor above adds its
own figures of the row (purchasing adds the units incoming on open purchase orders: see
purchasing/levels.py) by passing `more`, correlated subqueries on the row's product and
location, so the page is still one statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, Label, case, func, select, true, tuple_

from pesanan.catalog.queries import product_ref
from pesanan.core.clock import rfc3339
from pesanan.core.errors import FieldError, NotFound, ValidationFailed
from pesanan.core.money import fmt
from pesanan.db.paging import MAX_LIMIT, decode_cursor, encode_cursor, page
from pesanan.inventory.models import (
    backorder,
    location,
    quarantine_level,
    stock_level,
    stock_movement,
    stock_transfer,
    stock_transfer_line,
)

# Transfers still on the way.
OPEN_TRANSFER_STATUSES = ("in_transit", "partially_received")

# More figures of a level row, given its (product_id, location_id) columns: labelled scalar
# subqueries correlated on them (each an indexed lookup, evaluated only for the page's rows).
LevelFigures = Callable[[ColumnElement[str], ColumnElement[str]], list[Label[Any]]]


def no_more(product_id: ColumnElement[str], location_id: ColumnElement[str]) -> list[Label[Any]]:
    return []


# Read-only selectables of inventory rows for the floors above that must join them in SQL:
# a location's public columns, and what is sellable per (product, location).
location_ref = select(location.c.id, location.c.code, location.c.name, location.c.kind
                      ).subquery("location_ref")
stock_ref = select(stock_level.c.product_id, stock_level.c.location_id, stock_level.c.on_hand,
                   stock_level.c.reserved).subquery("stock_ref")
# Backorders as others list them (flows/backorders.py joins the order's number and line's SKU).
backorder_ref = select(backorder).subquery("backorder_ref")


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


def location_by_code(conn: Connection, code: str) -> dict[str, Any] | None:
    """The location's row (all columns) by its code; None when there is none."""
    r = conn.execute(select(location).where(location.c.code == code)).mappings().first()
    return None if r is None else dict(r)


def get_location(conn: Connection, location_id: str) -> dict[str, Any]:
    r = conn.execute(select(location).where(location.c.id == location_id)).mappings().first()
    if r is None:
        raise NotFound(f"location {location_id} not found")
    return location_view(r)


def stock_levels(
    conn: Connection, *, sku: str | None = None, location_id: str | None = None,
    limit: int = 250, cursor: str | None = None, q: str | None = None,
    more: LevelFigures = no_more,
) -> dict[str, Any]:
    """Levels ordered by (product id, location id); the cursor is the last pair seen.
    `q` finds SKUs or names containing the text (the console's search box)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}",
                               [FieldError("limit", "out_of_range", f"1..{MAX_LIMIT}")])
    figures = _state_columns(more)
    stmt = _levels(figures).order_by(stock_level.c.product_id, stock_level.c.location_id)
    if sku:
        stmt = stmt.where(product_ref.c.sku == sku)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(product_ref.c.sku.ilike(like) | product_ref.c.name.ilike(like))
    if location_id:
        stmt = stmt.where(stock_level.c.location_id == location_id)
    if cursor:
        first, _, second = cursor.partition(".")
        after_product, after_location = decode_cursor(first), decode_cursor(second)
        stmt = stmt.where(tuple_(stock_level.c.product_id, stock_level.c.location_id)
                          > tuple_(after_product, after_location))
    rows = conn.execute(stmt.limit(limit + 1)).mappings().all()
    items = [level_view(r, figures) for r in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = encode_cursor(last["product_id"]) + "." + encode_cursor(last["location_id"])
    return {"items": items, "next_cursor": nxt}


def _levels(figures: list[Label[Any]]) -> Any:
    return (
        select(product_ref.c.sku, product_ref.c.name, stock_level.c.product_id,
               stock_level.c.location_id, location.c.code.label("location_code"),
               stock_level.c.on_hand, stock_level.c.reserved, *figures)
        .select_from(stock_level)
        .join(product_ref, product_ref.c.id == stock_level.c.product_id)
        .join(location, location.c.id == stock_level.c.location_id)
    )


def _state_columns(more: LevelFigures) -> list[Label[Any]]:
    """The figures above (`more`), then quarantined and in transit for the level's (product,
    location), as correlated subqueries: evaluated only for the rows of the page, each an
    indexed lookup."""
    p, loc = stock_level.c.product_id, stock_level.c.location_id
    quarantined = (select(func.coalesce(func.sum(quarantine_level.c.quantity), 0))
                   .where(quarantine_level.c.product_id == p,
                          quarantine_level.c.location_id == loc))
    in_transit = (select(func.coalesce(func.sum(
        stock_transfer_line.c.quantity_shipped - stock_transfer_line.c.quantity_received), 0))
        .select_from(stock_transfer_line.join(
            stock_transfer, stock_transfer.c.id == stock_transfer_line.c.transfer_id))
        .where(stock_transfer_line.c.product_id == p, stock_transfer.c.to_location_id == loc,
               stock_transfer.c.status.in_(OPEN_TRANSFER_STATUSES)))
    return [*more(p, loc),
            quarantined.scalar_subquery().label("quarantined"),
            in_transit.scalar_subquery().label("in_transit")]


def level_view(r: Mapping[Any, Any], figures: list[Label[Any]]) -> dict[str, Any]:
    """One SKU at one location. on_hand is sellable stock; quarantined units and units in
    transit are counted apart and are never available."""
    return {"sku": r["sku"], "name": r["name"], "product_id": r["product_id"],
            "location_id": r["location_id"], "location_code": r["location_code"],
            "on_hand": r["on_hand"], "reserved": r["reserved"],
            "available": r["on_hand"] - r["reserved"],
            **{f.name: int(r[f.name]) for f in figures}}


def level(conn: Connection, product_id: str, location_id: str, more: LevelFigures = no_more
          ) -> dict[str, Any]:
    """The full level of one SKU at one location (zeros when there is no row yet)."""
    figures = _state_columns(more)
    r = conn.execute(
        _levels(figures).where(stock_level.c.product_id == product_id,
                               stock_level.c.location_id == location_id)
    ).mappings().first()
    if r is None:
        raise NotFound("no stock level for that SKU and location")
    return level_view(r, figures)


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
    p = product_ref
    rows = conn.execute(
        select(p.c.id, p.c.sku, p.c.name, p.c.price, p.c.currency, available.label("available"))
        .select_from(p)
        .outerjoin(stock_level, stock_level.c.product_id == p.c.id)
        .where(p.c.active == true(), p.c.sku.ilike(f"%{text}%") | p.c.name.ilike(f"%{text}%"))
        .group_by(p.c.id, p.c.sku, p.c.name, p.c.price, p.c.currency)
        .order_by(case((func.lower(p.c.sku) == text, 0), else_=1), p.c.sku)
        .limit(limit)
    ).mappings()
    return [{"product_id": r["id"], "sku": r["sku"], "name": r["name"],
             "price": fmt(r["price"], r["currency"]), "currency": r["currency"],
             "available": int(r["available"])} for r in rows]
