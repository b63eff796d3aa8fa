"""Name resolution shared by the stock-state commands: SKUs and location codes to ids, with
field errors that say which input was wrong."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Connection, select

from pesanan.catalog.models import product
from pesanan.core.errors import FieldError
from pesanan.inventory.models import location


class Product(NamedTuple):
    id: str
    sku: str
    currency: str


def products_by_sku(conn: Connection, skus: Iterable[str]) -> dict[str, Product]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    rows = conn.execute(select(product.c.id, product.c.sku, product.c.currency)
                        .where(product.c.sku.in_(wanted)))
    return {r.sku: Product(r.id, r.sku, r.currency) for r in rows}


def location_code(conn: Connection, location_id: str) -> str | None:
    return conn.execute(select(location.c.code).where(location.c.id == location_id)).scalar()


def locations_by_code(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = conn.execute(select(location.c.code, location.c.id).where(location.c.code.in_(wanted)))
    return {r.code: r.id for r in rows}


def unknown_location(field: str) -> FieldError:
    return FieldError(field, "unknown_location", "no such location")


def unknown_sku(field: str, sku: str) -> FieldError:
    return FieldError(field, "unknown_sku", f"no product with SKU {sku}")
