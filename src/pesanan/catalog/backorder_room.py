"""Backorder room: how many units of a product may still go on backorder (issue 4).

`backorder_open` is the running total of units a product has on open backorder; the oversell
policy and `backorder_limit` bound it. Inventory's backorders take room when an order records a
backorder and give it back when a backorder is filled or cancelled, through these functions.
Lock order: inventory touches its stock and backorder rows first, then these product rows
(see inventory/backorders.py), in product id order within one call.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, update

from pesanan.catalog.models import product

# The guard is the limit itself, evaluated on the locked row, so two orders racing for the
# last backorder units cannot both get them.
_take_room = (
    update(product)
    .where(product.c.id == bindparam("p"), product.c.oversell_policy == "backorder",
           product.c.backorder_open + bindparam("q") <= product.c.backorder_limit)
    .values(backorder_open=product.c.backorder_open + bindparam("q"))
)
_give_back = (
    update(product)
    .where(product.c.id == bindparam("p"), product.c.backorder_open >= bindparam("q"))
    .values(backorder_open=product.c.backorder_open - bindparam("q"))
)


def take(conn: Connection, units: dict[str, int]) -> bool:
    """Take `units` (by product id) of backorder room, in product order; False when any
    product has not that much room left (the caller's transaction must then roll back)."""
    params = [{"p": p, "q": q} for p, q in sorted(units.items())]
    return bool(conn.execute(_take_room, params).rowcount == len(params))


def give_back(conn: Connection, units: dict[str, int]) -> None:
    """Give back `units` (by product id) of backorder room, in product order; zeros skipped."""
    conn.execute(_give_back, [{"p": p, "q": q} for p, q in sorted(units.items()) if q])
