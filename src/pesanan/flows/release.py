"""Release an order to fulfilment (create its fulfilment orders) and withdraw it again.

`release_order` turns the order's open reservations that no fulfilment order covers yet into one
fulfilment order per location, or adds them to the order's fulfilment order at that location
that is not started yet (a filled backorder joins it). It is idempotent: what is covered is
not released twice, so holds, edits, backorder receipts and shipping may all call it. Units on
the lines of non-cancelled fulfilment orders = the order line's open reservations + units
shipped; the audit checks it (`fulfilment_units`).

Placement (the hot path) passes the picks it has just reserved, so nothing is read back; on
PostgreSQL the fulfilment orders, their lines and any 3PL dispatch rows are then written by ONE
statement (data-modifying CTEs), so an ordinary order costs one statement more.

`withdraw_order` cancels the fulfilment orders nobody has started shipping (open, picking). A
packed or partially shipped one is refused with Conflict (409): the goods are boxed or partly
gone, so a person must unpack it (or ship it) first. Shipped and delivered ones are history and
stay as they are. A failed-delivery one keeps what it shipped, but its units not yet shipped are
trimmed off: they are still on the shelf (the failure concerns the parcel that left), and the
changed order's reservations are released afresh. A 3PL whose release was already sent gets a
cancel dispatch.

Why a flow and not fulfillment: the release reads inventory's reservations and locations and
the order (its lock, its number), and on the hot path writes fulfilment's rows in the same one
statement that reads the location's kind (the CTE below). Splitting that statement by domain
would cost a round trip per order, so this is the one place that joins those tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam, func, select, text, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError
from pesanan.core.ids import new_id
from pesanan.db.rows import MULTI_ROW_MAX, insert_rows, values_params, values_sql
from pesanan.db.types import UTCDateTime
from pesanan.fulfillment.models import (
    fulfilment_order,
    fulfilment_order_line,
    tpl_dispatch,
)
from pesanan.fulfillment.numbers import fo_number
from pesanan.fulfillment.status import IN_SHIPPING, NOT_STARTED, FOStatus
from pesanan.inventory.models import location, reservation
from pesanan.orders import locks as order_locks
from pesanan.orders import service as orders
from pesanan.orders.models import sales_order

Pick = tuple[str, str, int, str]  # (product_id, location_id, quantity, order_line_id)


def release_order(conn: Connection, order_id: str, actor: Actor | None, *,
                  picks: Sequence[Pick] | None = None) -> list[str]:
    """Put the open reservations not yet on a fulfilment order on one (new, or joined);
    returns the ids of those created or joined.

    `picks`: only from place_order, for an order that has no fulfilment order yet — the
    reservations it has just made, so they need not be read back."""
    if picks is not None:
        wanted: dict[tuple[str, str, str], int] = {}
        for product_id, location_id, qty, line_id in picks:
            key = (location_id, line_id, product_id)
            wanted[key] = wanted.get(key, 0) + qty
        return _create(conn, order_id, wanted, first_seq=1)
    # The order lock makes "what is uncovered" and the insert one step: two releases of one
    # order (a receipt filling a backorder while a clerk ships) cannot both cover the same
    # units. Callers that hold it already (ship, hold release, edit) re-take it for free.
    status = order_locks.order_row(conn, order_id)["status"]
    if status != "open":  # a held, cancelled or completed order is not released
        return []
    wanted = _uncovered(conn, order_id)
    if not wanted:
        return []
    joined = _join_open(conn, order_id, wanted)
    rest = {k: q for k, q in wanted.items() if k[0] not in joined}
    made: list[str] = []
    if rest:
        last = conn.execute(select(func.coalesce(func.max(fulfilment_order.c.seq), 0))
                            .where(fulfilment_order.c.order_id == order_id)).scalar_one()
        made = _create(conn, order_id, rest, first_seq=int(last) + 1)
    units = sum(wanted.values())
    orders.note_event(conn, order_id, "fulfilment.released",
                      f"Released {units} unit(s) to fulfilment ({len(made)} new fulfilment "
                      f"order(s), {len(joined)} joined)", actor)
    return made + sorted(set(joined.values()))


def _join_open(conn: Connection, order_id: str, wanted: dict[tuple[str, str, str], int]
               ) -> dict[str, str]:
    """Add the wanted units to the order's fulfilment order at the same location that is not
    started yet (open or picking), line by line; returns {location: fulfilment order} joined.

    A backorder filled by a receipt then ships with the rest of the order instead of as a second
    parcel. Not joined: a packed or shipping one (its box is closed: a new fulfilment order
    takes the units) and a 3PL's (its release may be on its way already; the 3PL gets a new one
    by its own signed request). The rows are locked and their status re-checked under the lock,
    so a pack committed meanwhile is not joined."""
    fo, fol = fulfilment_order.c, fulfilment_order_line.c
    rows = conn.execute(
        select(fo.id, fo.location_id)
        .join(location, location.c.id == fo.location_id)
        .where(fo.order_id == order_id, fo.location_id.in_(sorted({k[0] for k in wanted})),
               fo.status.in_(sorted(str(s) for s in NOT_STARTED)), location.c.kind != "3pl")
        .order_by(fo.seq).with_for_update(of=fulfilment_order)
    ).all()
    target: dict[str, str] = {}
    for r in rows:
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
    conn.execute(update(fulfilment_order).where(fo.id.in_(list(target.values())))
                 .values(updated_at=now()))
    return target


def _uncovered(conn: Connection, order_id: str) -> dict[tuple[str, str, str], int]:
    """{(location, order line, product): units} reserved but on no live fulfilment order."""
    reserved = conn.execute(
        select(reservation.c.location_id, reservation.c.order_line_id, reservation.c.product_id,
               func.sum(reservation.c.quantity))
        .where(reservation.c.order_id == order_id, reservation.c.status == "open")
        .group_by(reservation.c.location_id, reservation.c.order_line_id,
                  reservation.c.product_id)
    ).all()
    covered = {(r[0], r[1]): int(r[2]) for r in conn.execute(
        select(fulfilment_order.c.location_id, fulfilment_order_line.c.order_line_id,
               func.sum(fulfilment_order_line.c.quantity
                        - fulfilment_order_line.c.quantity_shipped))
        .join(fulfilment_order,
              fulfilment_order.c.id == fulfilment_order_line.c.fulfilment_order_id)
        .where(fulfilment_order.c.order_id == order_id,
               fulfilment_order.c.status != FOStatus.CANCELLED)
        .group_by(fulfilment_order.c.location_id, fulfilment_order_line.c.order_line_id)
    ).all()}
    out: dict[tuple[str, str, str], int] = {}
    for loc, line_id, product_id, qty in reserved:
        # More covered than reserved would be a bug elsewhere; the audit reports it.
        left = int(qty) - covered.get((loc, line_id), 0)
        if left > 0:
            out[(loc, line_id, product_id)] = left
    return out


def _create(conn: Connection, order_id: str, wanted: dict[tuple[str, str, str], int],
            first_seq: int) -> list[str]:
    if not wanted:
        return []
    ts = now()
    by_loc = {loc: new_id() for loc in sorted({k[0] for k in wanted})}
    seq_of = {loc: first_seq + i for i, loc in enumerate(sorted(by_loc))}
    fo_rows: list[dict[str, Any]] = [
        {"id": fid, "order_id": order_id, "location_id": loc, "seq": seq_of[loc],
         "status": FOStatus.OPEN.value, "created_at": ts, "updated_at": ts}
        for loc, fid in by_loc.items()]
    line_rows = [{"id": new_id(), "fulfilment_order_id": by_loc[loc], "order_line_id": line_id,
                  "product_id": product_id, "quantity": qty, "quantity_picked": 0,
                  "quantity_shipped": 0}
                 for (loc, line_id, product_id), qty in sorted(wanted.items())]
    if conn.dialect.name == "postgresql" and len(line_rows) <= MULTI_ROW_MAX:
        # One round trip: both inserts ride as data-modifying CTEs on the dispatch insert.
        params = values_params("fo_", FO_COLS, fo_rows) | values_params("fol_", FOL_COLS, line_rows)
        params |= {f"d_{k}_{i}": v for i, r in enumerate(fo_rows) for k, v in
                   (("id", new_id()), ("fo", r["id"]), ("loc", r["location_id"]))}
        params["ts"] = ts
        conn.execute(_release_stmt(len(fo_rows), len(line_rows)), params)
    else:  # SQLite (one local file) or a very large order: one statement per table
        insert_rows(conn, fulfilment_order, fo_rows)
        insert_rows(conn, fulfilment_order_line, line_rows)
        tpl = set(conn.execute(select(location.c.id).where(
            location.c.id.in_(list(by_loc)), location.c.kind == "3pl")).scalars())
        if tpl:
            conn.execute(tpl_dispatch.insert(), [
                {"id": new_id(), "fulfilment_order_id": r["id"], "location_id": r["location_id"],
                 "kind": "release", "status": "pending", "attempts": 0, "next_attempt_at": ts,
                 "created_at": ts} for r in fo_rows if r["location_id"] in tpl])
    return list(by_loc.values())


FO_COLS = ("id", "order_id", "location_id", "seq", "status", "created_at", "updated_at")
FOL_COLS = ("id", "fulfilment_order_id", "order_line_id", "product_id", "quantity",
            "quantity_picked", "quantity_shipped")


@lru_cache(maxsize=64)
def _release_stmt(n_fo: int, n_lines: int) -> TextClause:
    """PostgreSQL, one statement per shape (fulfilment orders, lines), written once: the two
    inserts as data-modifying CTEs, then INSERT … SELECT a pending release dispatch for each
    fulfilment order whose location is a 3PL (the location's kind decides in the statement, so
    nothing is read). A typed text() because SQLAlchemy recompiles multi-row VALUES every call
    (db/rows.py)."""
    fo_sql, fo_params = values_sql(fulfilment_order, "fo_", FO_COLS, n_fo)
    fol_sql, fol_params = values_sql(fulfilment_order_line, "fol_", FOL_COLS, n_lines)
    candidates = ", ".join(f"(:d_id_{i}, :d_fo_{i}, :d_loc_{i})" for i in range(n_fo))
    sql = (
        f"WITH new_fulfilment_order AS ({fo_sql}), new_fulfilment_order_line AS ({fol_sql}) "
        "INSERT INTO tpl_dispatch (id, fulfilment_order_id, location_id, kind, status, attempts, "
        "next_attempt_at, created_at) "
        "SELECT v.id, v.fo, v.loc, 'release', 'pending', 0, :ts, :ts "
        f"FROM (VALUES {candidates}) AS v (id, fo, loc) "
        "JOIN location ON location.id = v.loc WHERE location.kind = '3pl'")
    return text(sql).bindparams(*fo_params, *fol_params, bindparam("ts", type_=UTCDateTime))


def withdraw_order(conn: Connection, order_id: str, actor: Actor | None,
                   reason: str = "order changed") -> list[str]:
    """Cancel the order's fulfilment orders not yet shipping; returns their ids. The caller
    holds the order lock (cancel, hold, edit all take it first)."""
    rows = conn.execute(
        select(fulfilment_order.c.id, fulfilment_order.c.seq, fulfilment_order.c.status,
               sales_order.c.number)
        .join(sales_order, sales_order.c.id == fulfilment_order.c.order_id)
        .where(fulfilment_order.c.order_id == order_id,
               fulfilment_order.c.status != FOStatus.CANCELLED)
        .order_by(fulfilment_order.c.seq)
    ).all()
    blocked = [r for r in rows if r.status in IN_SHIPPING]
    if blocked:
        r = blocked[0]
        raise Conflict(
            f"fulfilment order {fo_number(r.number, r.seq)} is {r.status}: unpack it or ship "
            "it before the order can change",
            [FieldError("fulfilment_order", "in_shipping",
                        f"{fo_number(r.number, r.seq)} is {r.status}")])
    trimmed = _trim_failed(conn, [r.id for r in rows if r.status == FOStatus.FAILED_DELIVERY])
    targets = [r for r in rows if r.status in NOT_STARTED]
    if not targets:
        return trimmed
    ids = [r.id for r in targets]
    done = conn.execute(
        update(fulfilment_order)
        .where(fulfilment_order.c.id.in_(ids),
               fulfilment_order.c.status.in_(sorted(str(s) for s in NOT_STARTED)))
        .values(status=FOStatus.CANCELLED.value, updated_at=now()))
    if done.rowcount != len(ids):
        raise Conflict("a fulfilment order of this order changed concurrently; try again")
    _withdraw_dispatches(conn, ids)
    names = ", ".join(fo_number(r.number, r.seq) for r in targets)
    orders.note_event(conn, order_id, "fulfilment.withdrawn",
                      f"Fulfilment order(s) {names} cancelled: {reason}", actor)
    return trimmed + ids


def _trim_failed(conn: Connection, fo_ids: list[str]) -> list[str]:
    """Cut the unshipped units off failed-delivery fulfilment orders; returns those changed.
    A line that shipped nothing goes; the others keep exactly what they shipped."""
    if not fo_ids:
        return []
    fol = fulfilment_order_line.c
    open_lines = (fol.fulfilment_order_id.in_(fo_ids), fol.quantity_shipped < fol.quantity)
    changed = sorted(set(conn.execute(
        select(fol.fulfilment_order_id).where(*open_lines)).scalars()))
    if not changed:
        return []
    conn.execute(fulfilment_order_line.delete().where(*open_lines, fol.quantity_shipped == 0))
    conn.execute(update(fulfilment_order_line).where(*open_lines).values(
        quantity=fol.quantity_shipped,
        quantity_picked=func.least(fol.quantity_picked, fol.quantity_shipped)
        if conn.dialect.name == "postgresql"
        else func.min(fol.quantity_picked, fol.quantity_shipped)))
    conn.execute(update(fulfilment_order).where(fulfilment_order.c.id.in_(changed))
                 .values(updated_at=now()))
    return changed


def _withdraw_dispatches(conn: Connection, fo_ids: list[str]) -> None:
    """A release not sent yet is simply not sent; a 3PL that already has it is told."""
    sent = conn.execute(
        select(tpl_dispatch.c.fulfilment_order_id, tpl_dispatch.c.location_id)
        .where(tpl_dispatch.c.fulfilment_order_id.in_(fo_ids),
               tpl_dispatch.c.kind == "release", tpl_dispatch.c.status != "pending")
    ).all()
    conn.execute(update(tpl_dispatch)
                 .where(tpl_dispatch.c.fulfilment_order_id.in_(fo_ids),
                        tpl_dispatch.c.kind == "release", tpl_dispatch.c.status == "pending")
                 .values(status="cancelled"))
    if sent:
        ts = now()
        conn.execute(tpl_dispatch.insert(), [
            {"id": new_id(), "fulfilment_order_id": r.fulfilment_order_id,
             "location_id": r.location_id, "kind": "cancel", "status": "pending",
             "attempts": 0, "next_attempt_at": ts, "created_at": ts} for r in sent])
