"""What a check is and returns, and the helpers several checks share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, func, literal, select

from pesanan.catalog.models import product
from pesanan.inventory.models import (
    location,
    stock_level,
)


@dataclass(frozen=True, slots=True)
class Breach:
    subject: str  # what is wrong: a stock level, an entry, an invoice year, an order
    detail: str


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    description: str
    run: Callable[[Connection], list[Breach]]


@dataclass(frozen=True, slots=True)
class Result:
    check: Check
    breaches: list[Breach]

    @property
    def ok(self) -> bool:
        return not self.breaches


def level_name(sku: str, code: str) -> str:
    return f"stock {sku} @ {code}"


def with_names(stmt: Select[Any], product_id: Any, location_id: Any) -> Select[Any]:
    """Join SKU and location code onto a statement, so a breach names what people know."""
    return (stmt.add_columns(product.c.sku, location.c.code)
            .join(product, product.c.id == product_id)
            .join(location, location.c.id == location_id))


def sum_vs_level(conn: Connection, column: str, sums: Select[Any], label: str) -> list[Breach]:
    """Compare stock_level.<column> with per-(product, location) sums, both ways round: a level
    that disagrees with its sum, and a sum with no level row at all."""
    s = sums.subquery()
    key = and_(s.c.product_id == stock_level.c.product_id,
               s.c.location_id == stock_level.c.location_id)
    level_col = stock_level.c[column]
    total = func.coalesce(s.c.total, 0)
    mismatched = conn.execute(with_names(
        select(level_col, total).select_from(stock_level.outerjoin(s, key))
        .where(level_col != total)
        .order_by(stock_level.c.product_id, stock_level.c.location_id),
        stock_level.c.product_id, stock_level.c.location_id)).all()
    orphans = conn.execute(with_names(
        select(s.c.total).where(s.c.total != 0, ~select(literal(1)).where(key).exists())
        .order_by(s.c.product_id, s.c.location_id),
        s.c.product_id, s.c.location_id)).all()
    out = [Breach(level_name(sku, code), f"{column} {have} but {label} sum to {want}")
           for have, want, sku, code in mismatched]
    out += [Breach(level_name(sku, code), f"no stock level row but {label} sum to {want}")
            for want, sku, code in orphans]
    return out


