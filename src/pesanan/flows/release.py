"""Release an order to fulfilment: create its fulfilment orders (withdrawing them again is
fulfilment's own: fulfillment/withdraw.py).

`release_order` turns the order's open reservations that no fulfilment order covers yet into one
fulfilment order per location, or adds them to the order's fulfilment order at that location
that is not started yet (a filled backorder joins it). It is idempotent: what is covered is
not released twice, so holds, edits, backorder receipts and shipping may all call it. Units on
the lines of non-cancelled fulfilment orders = the order line's open reservations + units
shipped; the audit checks it (`fulfilment_units`).

Placement (the hot path) passes the picks it has just reserved, so nothing is read back; on
PostgreSQL the fulfilment orders, their lines and any 3PL dispatch rows are then written by ONE
statement (data-modifying CTEs), so an ordinary order costs one statement more.

Why a flow: the release takes the order's lock and writes its timeline (orders), reads its
reservations (inventory) and writes fulfilment's rows; and the PostgreSQL statement below
writes fulfilment's rows while it reads the locations' kind (inventory's table) — split by
domain it would cost a round trip per order, so this is the one place that joins them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Connection, bindparam, text

from pesanan.core.actor import Actor
from pesanan.core.ids import new_id
from pesanan.db import pipeline
from pesanan.db.hot import Hot
from pesanan.db.rows import MULTI_ROW_MAX, insert_rows, values_params, values_sql
from pesanan.db.types import UTCDateTime
from pesanan.fulfillment import release_rows
from pesanan.fulfillment.models import fulfilment_order, fulfilment_order_line
from pesanan.fulfillment.release_rows import FO_COLS, FOL_COLS, Wanted
from pesanan.inventory import service as inventory
from pesanan.orders import locks as order_locks
from pesanan.orders import service as orders

Pick = tuple[str, str, int, str]  # (product_id, location_id, quantity, order_line_id)


def release_order(conn: Connection, order_id: str, actor: Actor | None, *,
                  picks: Sequence[Pick] | None = None) -> list[str]:
    """Put the open reservations not yet on a fulfilment order on one (new, or joined);
    returns the ids of those created or joined.

    `picks`: only from place_order, for an order that has no fulfilment order yet — the
    reservations it has just made, so they need not be read back."""
    if picks is not None:
        wanted: Wanted = {}
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
    joined = release_rows.join_open(conn, order_id, wanted)
    rest = {k: q for k, q in wanted.items() if k[0] not in joined}
    made: list[str] = []
    if rest:
        made = _create(conn, order_id, rest, first_seq=release_rows.next_seq(conn, order_id))
    units = sum(wanted.values())
    orders.note_event(conn, order_id, "fulfilment.released",
                      f"Released {units} unit(s) to fulfilment ({len(made)} new fulfilment "
                      f"order(s), {len(joined)} joined)", actor)
    return made + sorted(set(joined.values()))


def _uncovered(conn: Connection, order_id: str) -> Wanted:
    """{(location, order line, product): units} reserved but on no live fulfilment order."""
    reserved = inventory.open_reserved_units(conn, order_id)
    covered = release_rows.covered(conn, order_id)
    out: Wanted = {}
    for loc, line_id, product_id, qty in reserved:
        # More covered than reserved would be a bug elsewhere; the audit reports it.
        left = qty - covered.get((loc, line_id), 0)
        if left > 0:
            out[(loc, line_id, product_id)] = left
    return out


def _create(conn: Connection, order_id: str, wanted: Wanted, first_seq: int) -> list[str]:
    if not wanted:
        return []
    fo_rows, line_rows = release_rows.new_rows(order_id, wanted, first_seq)
    if conn.dialect.name == "postgresql" and len(line_rows) <= MULTI_ROW_MAX:
        dispatch = {f"d_{k}_{i}": v for i, r in enumerate(fo_rows) for k, v in
                    (("id", new_id()), ("fo", r["id"]), ("loc", r["location_id"]))}
        dispatch["ts"] = fo_rows[0]["created_at"]
        if pipeline.current(conn) is not None:
            # Pipelined (placement): three plain INSERTs, merged with the order's own into
            # one statement (db/merged.py).
            insert_rows(conn, fulfilment_order, fo_rows)
            insert_rows(conn, fulfilment_order_line, line_rows)
            _dispatch_stmt(len(fo_rows)).send(conn, dispatch)
            return [r["id"] for r in fo_rows]
        # One round trip: both inserts ride as data-modifying CTEs on the dispatch insert.
        params = values_params("fo_", FO_COLS, fo_rows) | values_params("fol_", FOL_COLS, line_rows)
        _release_stmt(len(fo_rows), len(line_rows)).execute(conn, params | dispatch)
    else:  # SQLite (one local file) or a very large order: one statement per table
        release_rows.insert_each(conn, fo_rows, line_rows)
    return [r["id"] for r in fo_rows]


@lru_cache(maxsize=64)
def _release_stmt(n_fo: int, n_lines: int) -> Hot:
    """PostgreSQL, one statement per shape (fulfilment orders, lines), written once: the two
    inserts as data-modifying CTEs, then INSERT … SELECT a pending release dispatch for each
    fulfilment order whose location is a 3PL (the location's kind decides in the statement, so
    nothing is read). A typed text() because SQLAlchemy recompiles multi-row VALUES every call
    (db/rows.py)."""
    fo_sql, fo_params = values_sql(fulfilment_order, "fo_", FO_COLS, n_fo)
    fol_sql, fol_params = values_sql(fulfilment_order_line, "fol_", FOL_COLS, n_lines)
    sql = (f"WITH new_fulfilment_order AS ({fo_sql}), new_fulfilment_order_line AS ({fol_sql}) "
           + _dispatch_sql(n_fo))
    return Hot(text(sql).bindparams(*fo_params, *fol_params, bindparam("ts", type_=UTCDateTime)))


@lru_cache(maxsize=16)
def _dispatch_stmt(n_fo: int) -> Hot:
    """The pending release dispatch for each of `n_fo` fulfilment orders whose location is a
    3PL, alone (a pipelined placement merges it with its other INSERTs)."""
    return Hot(text(_dispatch_sql(n_fo)).bindparams(bindparam("ts", type_=UTCDateTime)))


def _dispatch_sql(n_fo: int) -> str:
    candidates = ", ".join(f"(:d_id_{i}, :d_fo_{i}, :d_loc_{i})" for i in range(n_fo))
    return ("INSERT INTO tpl_dispatch (id, fulfilment_order_id, location_id, kind, status, "
            "attempts, next_attempt_at, created_at) "
            "SELECT v.id, v.fo, v.loc, 'release', 'pending', 0, :ts, :ts "
            f"FROM (VALUES {candidates}) AS v (id, fo, loc) "
            "JOIN location ON location.id = v.loc WHERE location.kind = '3pl'")
