"""Human-facing document numbers.

Order, PO and shipment numbers only need to be unique and increasing, so PostgreSQL uses real
sequences (no row lock held to commit: concurrent orders never queue on one counter row).
SQLite has a single writer anyway, so a counter row is enough there. Gapless numbers (invoices)
use `next_gapless`, a counter row locked until commit on both databases.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Integer, String, Table, text

from pesanan.db.base import metadata
from pesanan.db.hot import Hot

counter = Table(
    "counter",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)

SEQUENCES = ("order_number", "purchase_order_number", "shipment_number")


def next_number(conn: Connection, name: str) -> int:
    if name not in SEQUENCES:
        raise ValueError(f"unknown sequence {name}")
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text(f"SELECT nextval('{name}_seq')")).scalar_one())
    return _bump(conn, name)


def next_gapless(conn: Connection, name: str) -> int:
    """The next number of a gapless series. The counter row stays locked until the caller's
    transaction ends, so a rollback gives the number back and no two transactions share one."""
    return _bump(conn, name)


def _bump(conn: Connection, name: str) -> int:
    # One atomic upsert on both databases: the first use of a series (say invoices of a new
    # year) creates its row, later uses increment it, and the row lock serialises racers.
    return int(_bump_stmt.all(conn, {"n": name})[0][0])


# A hot statement (db/hot.py): on SQLite every order takes its number this way.
_bump_stmt = Hot(text(
    "INSERT INTO counter (name, value) VALUES (:n, 1) "
    "ON CONFLICT (name) DO UPDATE SET value = counter.value + 1 RETURNING value"))
