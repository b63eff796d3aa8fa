"""Sourcing settings: a location's region, country and channels, and safety stock per SKU and
location (issue 4). inventory/allocation.py reads them to plan orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from pesanan.catalog import queries as catalog
from pesanan.catalog.queries import product_ref
from pesanan.core.clock import now
from pesanan.core.errors import Invalid, NotFound
from pesanan.events.service import emit
from pesanan.inventory import locks
from pesanan.inventory import service as inventory
from pesanan.inventory.models import location, stock_level
from pesanan.inventory.queries import location_view
from pesanan.inventory.schemas import LocationUpdate, StockSettings


def update_location(conn: Connection, location_id: str, cmd: LocationUpdate) -> dict[str, Any]:
    current = locks.location_row(conn, location_id)
    if current is None:
        raise NotFound(f"location {location_id} not found")
    values: dict[str, Any] = {}
    for name in cmd.model_fields_set:
        value = getattr(cmd, name)
        if name == "name" and value is None:
            continue  # a name cannot be cleared
        if name == "channels":
            value = ",".join(sorted(set(value))) if value else None
        values[name] = value
    if values:
        conn.execute(update(location).where(location.c.id == location_id).values(**values))
    view = location_view({**current, **values})
    emit(conn, "location.updated", "location", location_id, view)
    return view


def set_stock_settings(conn: Connection, cmd: StockSettings) -> dict[str, Any]:
    product_id = catalog.id_by_sku(conn, cmd.sku)
    inv = Invalid()
    if product_id is None:
        inv.add("sku", "unknown_sku", f"no product with SKU {cmd.sku}")
    if not inventory.location_exists(conn, cmd.location_id):
        inv.add("location_id", "unknown_location", "no such location")
    inv.raise_if_any("The stock settings cannot be applied")
    assert product_id is not None
    # A level row may not exist yet (no stock ever): the setting is kept for when it arrives.
    inventory.ensure_level(conn, product_id, cmd.location_id)
    row = conn.execute(
        update(stock_level)
        .where(stock_level.c.product_id == product_id,
               stock_level.c.location_id == cmd.location_id)
        .values(safety_stock=cmd.safety_stock, updated_at=now())
        .returning(stock_level.c.on_hand, stock_level.c.reserved, stock_level.c.safety_stock)
    ).one()
    level = {"sku": cmd.sku, "product_id": product_id, "location_id": cmd.location_id,
             "on_hand": row.on_hand, "reserved": row.reserved,
             "available": row.on_hand - row.reserved, "safety_stock": row.safety_stock,
             "sourceable": max(row.on_hand - row.reserved - row.safety_stock, 0)}
    emit(conn, "stock.settings_changed", "product", str(product_id), level)
    return level


def safety_stock_of(conn: Connection, location_id: str | None = None,
                    sku: str | None = None) -> list[dict[str, Any]]:
    """Levels with a safety stock set (the console's settings page)."""
    stmt = (select(product_ref.c.sku, stock_level.c.location_id, location.c.code,
                   stock_level.c.on_hand, stock_level.c.reserved, stock_level.c.safety_stock)
            .select_from(stock_level)
            .join(product_ref, product_ref.c.id == stock_level.c.product_id)
            .join(location, location.c.id == stock_level.c.location_id)
            .where(stock_level.c.safety_stock > 0)
            .order_by(product_ref.c.sku, location.c.code).limit(250))
    if location_id:
        stmt = stmt.where(stock_level.c.location_id == location_id)
    if sku:
        stmt = stmt.where(product_ref.c.sku == sku)
    return [dict(r) for r in conn.execute(stmt).mappings()]
