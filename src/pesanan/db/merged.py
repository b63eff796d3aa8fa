"""Plain INSERTs sent in a row in a pipelined transaction, merged into one statement.

Why: in pipeline mode (db/pipeline.py) each statement still costs the server its own trip
through the driver — parameters dumped, the message built and sent, a result parsed — about
4 % of the server's CPU per order each in a py-spy profile (bench/README.md, issue 13). An
order's order row, lines, reservations, timeline entry and outbox event are five INSERTs whose
results nobody reads; as data-modifying CTEs of one statement, `WITH c0 AS (INSERT …), c1 AS
(INSERT …) INSERT …`, they cost one. PostgreSQL runs every CTE of a statement exactly once
whether or not it is referenced, and checks the foreign keys at the end of the statement, so
the rows may reference each other in any order.

Only a plain INSERT merges (no RETURNING, no WITH of its own, no check of rows changed), and the
merged statement goes out before any other statement is queued, and before a sync, so statements
still run in the order they were sent. Each INSERT's driver-error translation stays with it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

if TYPE_CHECKING:
    from pesanan.db.hot import _Plan
    from pesanan.db.pipeline import State, Translate

_NAMED = re.compile(r"%\((\w+)\)s")


def mergeable(sql: str) -> bool:
    return sql.startswith("INSERT INTO ") and " RETURNING " not in sql


def collect(state: State, plan: _Plan, args: Any, translate: Translate | None) -> None:
    state.inserts.append((plan.sql, args))
    if translate is not None and translate not in state.translate:
        state.translate.append(translate)


def flush(conn: Connection, state: State) -> None:
    """Queue the INSERTs collected so far as one statement."""
    from pesanan.db.hot import queue_sql
    from pesanan.db.pipeline import queue

    inserts, state.inserts = state.inserts, []
    if len(inserts) == 1:
        sql, args = inserts[0]
    else:
        sql = _statement(tuple(s for s, _ in inserts))
        args = [a[name] for (s, a) in inserts for name in _names(s)]
    queue(state, queue_sql(conn, sql, args), None, None, None)


@lru_cache(maxsize=512)
def _names(sql: str) -> tuple[str, ...]:
    return tuple(_NAMED.findall(sql))


@lru_cache(maxsize=256)
def _statement(sqls: tuple[str, ...]) -> str:
    """`WITH c0 AS (first), c1 AS (second) … last`, with positional parameters."""
    positional = [_NAMED.sub("%s", s) for s in sqls]
    ctes = ", ".join(f"c{i} AS ({s})" for i, s in enumerate(positional[:-1]))
    return f"WITH {ctes} {positional[-1]}"
