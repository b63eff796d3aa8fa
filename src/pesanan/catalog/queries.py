from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from pesanan.catalog.models import product
from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.core.money import fmt
from pesanan.db.paging import page

# What other domains may read of a product inside their own SQL (a list of stock levels, PO
# lines or counts needs the SKU and name beside each row, in one statement): a read-only
# selectable of the public columns, never the table. Writes go through catalog's functions.
product_ref = select(
    product.c.id, product.c.sku, product.c.name, product.c.price, product.c.currency,
    product.c.standard_cost, product.c.active,
).subquery("product_ref")


class ProductRef(NamedTuple):
    """A product as the stock commands name it: id, SKU and the currency it is costed in."""
    id: str
    sku: str
    currency: str


def product_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    cur = r["currency"]
    return {
        "id": r["id"], "sku": r["sku"], "name": r["name"], "price": fmt(r["price"], cur),
        "currency": cur, "tax_rate": str(r["tax_rate"].normalize() + 0),
        "standard_cost": fmt(r["standard_cost"], cur), "active": r["active"],
        "oversell_policy": r.get("oversell_policy", "deny"),
        "backorder_limit": r.get("backorder_limit", 0),
        "backorder_open": r.get("backorder_open", 0),
        "version": r["version"], "created_at": rfc3339(r["created_at"]),
        "updated_at": rfc3339(r["updated_at"]),
    }


def get_product(conn: Connection, product_id: str) -> dict[str, Any]:
    r = conn.execute(select(product).where(product.c.id == product_id)).mappings().first()
    if r is None:
        raise NotFound(f"product {product_id} not found")
    return product_view(r)


def list_products(
    conn: Connection, *, limit: int = 50, cursor: str | None = None, sku: str | None = None,
    active: bool | None = None, q: str | None = None,
) -> dict[str, Any]:
    stmt = select(product)
    if sku:
        stmt = stmt.where(product.c.sku == sku)
    if active is not None:
        stmt = stmt.where(product.c.active == active)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(product.c.sku.ilike(like) | product.c.name.ilike(like))
    rows, nxt = page(conn, stmt, product.c.id, limit, cursor)
    return {"items": [product_view(r) for r in rows], "next_cursor": nxt}


def ids_by_sku(conn: Connection, skus: list[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(select(product).where(product.c.sku.in_(skus))).mappings()
    return {r["sku"]: dict(r) for r in rows}


def refs_by_sku(conn: Connection, skus: Iterable[str]) -> dict[str, ProductRef]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    rows = conn.execute(select(product.c.id, product.c.sku, product.c.currency)
                        .where(product.c.sku.in_(wanted)))
    return {r.sku: ProductRef(r.id, r.sku, r.currency) for r in rows}


def ref_by_sku(conn: Connection, sku: str) -> ProductRef | None:
    r = conn.execute(select(product.c.id, product.c.sku, product.c.currency)
                     .where(product.c.sku == sku)).first()
    return None if r is None else ProductRef(r.id, r.sku, r.currency)


def id_by_sku(conn: Connection, sku: str) -> str | None:
    found = conn.execute(select(product.c.id).where(product.c.sku == sku)).scalar()
    return None if found is None else str(found)


def standard_cost(conn: Connection, product_id: str) -> Decimal:
    return Decimal(conn.execute(
        select(product.c.standard_cost).where(product.c.id == product_id)
    ).scalar_one())


def cost_basis(conn: Connection, product_id: str) -> tuple[Decimal, str]:
    """Standard cost and currency: what a product's moving-average cost starts from."""
    r = conn.execute(select(product.c.standard_cost, product.c.currency)
                     .where(product.c.id == product_id)).one()
    return Decimal(r.standard_cost), str(r.currency)
