"""Insert several rows in one statement.

`conn.execute(table.insert(), rows)` is an executemany: one statement per row on the wire's
books, however the driver batches it. A multi-row `INSERT … VALUES (…), (…)` is one statement,
which is what the hot path (an order's lines, its reservations) wants. Past `MULTI_ROW_MAX`
rows it falls back to executemany, which keeps bind parameters well under the databases'
limits (SQLite 32,766; PostgreSQL 65,535) for a 1,000-line order, and keeps the compiled
statement cache to a few shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

MULTI_ROW_MAX = 16


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if len(rows) <= MULTI_ROW_MAX:
        conn.execute(table.insert().values(list(rows)))
    else:
        conn.execute(table.insert(), list(rows))
