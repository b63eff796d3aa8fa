"""Locking, as one named concept: every row lock and every lock-order sort of inventory.

Stock rows are always touched in one global order — by (product_id, location_id) — so two
commands that lock the same rows cannot deadlock each other. Every stock write is a guarded
UPDATE: the guard is evaluated on the locked, current row (PostgreSQL re-checks the WHERE after
waiting for a concurrent writer), so check-then-act can never race. The `FOR UPDATE` reads
below are for the few places that must read a value before they write it (SQLite has a single
writer, so there they are plain reads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, select

from pesanan.inventory.models import backorder, item_cost, location, stock_level

T = TypeVar("T", bound=tuple[str, str, int])
R = TypeVar("R")


def in_lock_order(rows: Iterable[T]) -> list[T]:
    return sorted(rows, key=lambda r: (r[0], r[1]))


def by_level(rows: Iterable[R]) -> list[R]:
    """Rows with `product_id` and `location_id`, in the global stock lock order."""
    return sorted(rows, key=attrgetter("product_id", "location_id"))


def in_stock_order(rows: Iterable[R], product_of: Callable[[R], str],
                   location_of: Callable[[R], str], then: Callable[[R], Any] = lambda r: 0
                   ) -> list[R]:
    """Rows that name a stock level only indirectly (a shipment leg names its order line), in
    the global stock lock order; `then` keeps the order stable within one level."""
    return sorted(rows, key=lambda r: (product_of(r), location_of(r), then(r)))


def by_product(rows: Iterable[R], key: Callable[[R], Any] = attrgetter("product_id")
               ) -> list[R]:
    """Rows of one location (or one transfer) in lock order: by product id."""
    return sorted(rows, key=key)


def level_row(conn: Connection, product_id: str, location_id: str) -> Row[int, int]:
    """On hand and reserved of a stock level, locked to the end of the transaction."""
    return conn.execute(select(stock_level.c.on_hand, stock_level.c.reserved)
                        .where(stock_level.c.product_id == product_id,
                               stock_level.c.location_id == location_id)
                        .with_for_update()).one()


def average_cost(conn: Connection, product_id: str) -> Decimal:
    """The product's moving-average cost, its row locked so concurrent receipts re-weight it
    one after the other (the row must exist)."""
    return Decimal(conn.execute(
        select(item_cost.c.average_cost).where(item_cost.c.product_id == product_id)
        .with_for_update()
    ).scalar_one())


def location_row(conn: Connection, location_id: str) -> dict[str, Any] | None:
    """A location, locked so two settings changes apply one after the other."""
    r = conn.execute(
        select(location).where(location.c.id == location_id).with_for_update()
    ).mappings().first()
    return None if r is None else dict(r)


def stock_available(conn: Connection, product_id: str, location_id: str) -> int:
    """Lock one stock row; its units on hand not reserved (0 when the row does not exist). A
    receipt takes this before the backorder rows (inventory/backorders.py lock order)."""
    level = conn.execute(
        select(stock_level.c.on_hand - stock_level.c.reserved)
        .where(stock_level.c.product_id == product_id, stock_level.c.location_id == location_id)
        .with_for_update()
    ).scalar()
    return int(level or 0)


def order_backorders(conn: Connection, order_id: str, line_ids: Sequence[str] | None = None
                     ) -> Sequence[Row[str, str, int]]:
    """Lock the order's open backorders (only those of `line_ids`, when given), oldest first:
    (id, product_id, quantity_open). After the order's stock rows (inventory/backorders.py)."""
    stmt = (select(backorder.c.id, backorder.c.product_id, backorder.c.quantity_open)
            .where(backorder.c.order_id == order_id, backorder.c.status == "open")
            .order_by(backorder.c.id).with_for_update())
    if line_ids is not None:
        stmt = stmt.where(backorder.c.order_line_id.in_(line_ids))
    return conn.execute(stmt).all()
