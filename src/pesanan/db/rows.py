"""Insert several rows in one statement, without compiling SQL on every call.

`conn.execute(table.insert(), rows)` is an executemany: one statement per row. A multi-row
`INSERT … VALUES (…), (…)` is one statement, which is what the hot path (an order's lines, its
reservations, its fulfilment orders) wants. But SQLAlchemy cannot cache a multi-values
`insert().values([...])`: it compiles it afresh each time, which we measured at ~1 ms of CPU
per order. So the statement is written once per (table, columns, row count) as a typed
`text()` with named parameters, kept here and run as a hot statement (db/hot.py), and only
the parameters change.

Past `MULTI_ROW_MAX` rows it falls back to executemany: that keeps bind parameters far below
the databases' limits (SQLite 32,766; PostgreSQL 65,535) for a 1,000-line order, and the number
of cached statements small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Table, bindparam, text

from pesanan.db.hot import Hot

MULTI_ROW_MAX = 16


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`."""
    if not rows:
        return
    if len(rows) > MULTI_ROW_MAX:
        conn.execute(table.insert(), [dict(r) for r in rows])
        return
    cols = tuple(rows[0])
    # Sent: in a pipelined transaction (db/pipeline.py) it rides with the other writes.
    _insert_stmt(table, cols, len(rows)).send(conn, values_params("", cols, rows))


def values_sql(table: Table, prefix: str, cols: Sequence[str],
               n: int) -> tuple[str, list[BindParameter[Any]]]:
    """`INSERT INTO table (cols) VALUES (:{prefix}{col}_{i}, …), …` and its typed parameters,
    for building one statement out of several inserts (see flows/release.py)."""
    names = ", ".join(f'"{c}"' for c in cols)
    rows = ", ".join("(" + ", ".join(f":{prefix}{c}_{i}" for c in cols) + ")" for i in range(n))
    params = [bindparam(f"{prefix}{c}_{i}", type_=table.c[c].type)
              for i in range(n) for c in cols]
    return f'INSERT INTO "{table.name}" ({names}) VALUES {rows}', params


def values_params(prefix: str, cols: Sequence[str],
                  rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {f"{prefix}{c}_{i}": row[c] for i, row in enumerate(rows) for c in cols}


@lru_cache(maxsize=256)
def _insert_stmt(table: Table, cols: tuple[str, ...], n: int) -> Hot:
    sql, params = values_sql(table, "", cols, n)
    return Hot(text(sql).bindparams(*params))
