"""Locking, as one named concept: every row lock of fulfilment.

3PL: a dispatch row is claimed by one worker at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL:
a second worker takes the next row instead of waiting; SQLite has a single writer), and a
location's endpoint row is locked while it is replaced, so two PUTs apply one after the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from pesanan.fulfillment.models import tpl_dispatch, tpl_endpoint


def next_due_dispatch(conn: Connection, at: datetime) -> dict[str, Any] | None:
    """The next pending dispatch due at `at`, locked (None when there is none)."""
    stmt = (select(tpl_dispatch)
            .where(tpl_dispatch.c.status == "pending", tpl_dispatch.c.next_attempt_at <= at)
            .order_by(tpl_dispatch.c.next_attempt_at, tpl_dispatch.c.id).limit(1))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # two workers never send one row
    row = conn.execute(stmt).mappings().first()
    return None if row is None else dict(row)


def endpoint_exists(conn: Connection, location_id: str) -> bool:
    """Whether the location has a 3PL endpoint, its row locked to the end of the transaction."""
    return conn.execute(select(tpl_endpoint.c.location_id)
                        .where(tpl_endpoint.c.location_id == location_id)
                        .with_for_update()).first() is not None
