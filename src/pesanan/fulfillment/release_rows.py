"""Fulfilment's own rows of a release (the release itself is a flow: flows/release.py).

What the order's live fulfilment orders cover, joining wanted units to a fulfilment order not
started yet, the next sequence number, and the rows of new fulfilment orders — written here
one statement per table, or by the flow's single PostgreSQL statement.

Wanted units are {(location, order line, product): units}.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.db.hot import Hot
from pesanan.db.rows import insert_rows
from pesanan.fulfillment import locks
from pesanan.fulfillment.models import fulfilment_order, fulfilment_order_line, tpl_dispatch
from pesanan.fulfillment.status import FOStatus
from pesanan.inventory.queries import location_ref

Wanted = dict[tuple[str, str, str], int]
Rows = list[dict[str, Any]]

FO_COLS = ("id", "order_id", "location_id", "seq", "status", "created_at", "updated_at")
FOL_COLS = ("id", "fulfilment_order_id", "order_line_id", "product_id", "quantity",
            "quantity_picked", "quantity_shipped")


def covered(conn: Connection, order_id: str) -> dict[tuple[str, str], int]:
    """{(location, order line): units} on the order's live fulfilment orders, not shipped."""
    return {(r[0], r[1]): int(r[2]) for r in conn.execute(
        select(fulfilment_order.c.location_id, fulfilment_order_line.c.order_line_id,
               func.sum(fulfilment_order_line.c.quantity
                        - fulfilment_order_line.c.quantity_shipped))
        .join(fulfilment_order,
              fulfilment_order.c.id == fulfilment_order_line.c.fulfilment_order_id)
        .where(fulfilment_order.c.order_id == order_id,
               fulfilment_order.c.status != FOStatus.CANCELLED)
        .group_by(fulfilment_order.c.location_id, fulfilment_order_line.c.order_line_id)
    ).all()}


def join_open(conn: Connection, order_id: str, wanted: Wanted) -> dict[str, str]:
    """Add the wanted units to the order's fulfilment order at the same location that is not
    started yet (open or picking), line by line; returns {location: fulfilment order} joined.

    A backorder filled by a receipt then ships with the rest of the order instead of as a second
    parcel. Not joined: a packed or shipping one (its box is closed: a new fulfilment order
    takes the units) and a 3PL's (its release may be on its way already; the 3PL gets a new one
    by its own signed request). The rows are locked and their status re-checked under the lock
    (locks.joinable), so a pack committed meanwhile is not joined."""
    fol = fulfilment_order_line.c
    target: dict[str, str] = {}
    for r in locks.joinable(conn, order_id, {k[0] for k in wanted}):
        target.setdefault(r.location_id, r.id)  # the oldest, should there be several
    if not target:
        return {}
    have = {(r.fulfilment_order_id, r.order_line_id): r.id for r in conn.execute(
        select(fol.id, fol.fulfilment_order_id, fol.order_line_id)
        .where(fol.fulfilment_order_id.in_(list(target.values()))))}
    grow, add = [], []
    for (loc, line_id, product_id), qty in sorted(wanted.items()):
        if loc not in target:
            continue
        line = have.get((target[loc], line_id))
        if line is not None:
            grow.append({"line": line, "q": qty})
        else:
            add.append({"id": new_id(), "fulfilment_order_id": target[loc],
                        "order_line_id": line_id, "product_id": product_id, "quantity": qty,
                        "quantity_picked": 0, "quantity_shipped": 0})
    if grow:
        conn.execute(update(fulfilment_order_line)
                     .where(fol.id == bindparam("line"))
                     .values(quantity=fol.quantity + bindparam("q")), grow)
    if add:
        insert_rows(conn, fulfilment_order_line, add)
    conn.execute(update(fulfilment_order).where(fulfilment_order.c.id.in_(list(target.values())))
                 .values(updated_at=now()))
    return target


def next_seq(conn: Connection, order_id: str) -> int:
    """The sequence number the order's next fulfilment order takes (SO-000123-<seq>)."""
    last = conn.execute(select(func.coalesce(func.max(fulfilment_order.c.seq), 0))
                        .where(fulfilment_order.c.order_id == order_id)).scalar_one()
    return int(last) + 1


def new_rows(order_id: str, wanted: Wanted, first_seq: int) -> tuple[Rows, Rows]:
    """(fulfilment orders, their lines): one fulfilment order per location, numbered on from
    `first_seq` in location order."""
    ts = now()
    by_loc = {loc: new_id() for loc in sorted({k[0] for k in wanted})}
    seq_of = {loc: first_seq + i for i, loc in enumerate(sorted(by_loc))}
    fo_rows: Rows = [
        {"id": fid, "order_id": order_id, "location_id": loc, "seq": seq_of[loc],
         "status": FOStatus.OPEN.value, "created_at": ts, "updated_at": ts}
        for loc, fid in by_loc.items()]
    line_rows: Rows = [
        {"id": new_id(), "fulfilment_order_id": by_loc[loc], "order_line_id": line_id,
         "product_id": product_id, "quantity": qty, "quantity_picked": 0, "quantity_shipped": 0}
        for (loc, line_id, product_id), qty in sorted(wanted.items())]
    return fo_rows, line_rows


@lru_cache(maxsize=32)
def _tpl_among(n: int) -> Hot:
    """Which of n locations are 3PLs: built once per n, a hot statement (db/hot.py) — on
    SQLite every order's release asks it."""
    return Hot(select(location_ref.c.id).where(
        location_ref.c.id.in_([bindparam(f"loc_{i}") for i in range(n)]),
        location_ref.c.kind == "3pl"))


def insert_each(conn: Connection, fo_rows: Rows, line_rows: Rows) -> None:
    """Write new fulfilment orders one statement per table, and a pending release dispatch for
    each one at a 3PL."""
    insert_rows(conn, fulfilment_order, fo_rows)
    insert_rows(conn, fulfilment_order_line, line_rows)
    locs = [r["location_id"] for r in fo_rows]
    tpl = {row[0] for row in _tpl_among(len(locs)).all(
        conn, {f"loc_{i}": loc for i, loc in enumerate(locs)})}
    if tpl:
        ts = fo_rows[0]["created_at"]
        conn.execute(tpl_dispatch.insert(), [
            {"id": new_id(), "fulfilment_order_id": r["id"], "location_id": r["location_id"],
             "kind": "release", "status": "pending", "attempts": 0, "next_attempt_at": ts,
             "created_at": ts} for r in fo_rows if r["location_id"] in tpl])
