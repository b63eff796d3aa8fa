"""Locking, as one named concept: every row lock of fulfilment.

Release: an order's fulfilment orders that a release may join are locked (the order's row is
locked before them, orders/locks.py), and their status re-checked under the lock.

3PL: a dispatch row is claimed by one worker at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL:
a second worker takes the next rows instead of waiting; SQLite has a single writer), a batch at
a time by the delivery machinery (fulfillment/dispatch.py). Setting a location's endpoint takes
no lock here: it is one upsert (fulfillment/tpl.py), and the second of two racing PUTs waits
on the row's key for the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from pesanan.fulfillment.models import fulfilment_order, tpl_dispatch
from pesanan.fulfillment.status import NOT_STARTED
from pesanan.inventory.queries import location_ref


def due_dispatches(conn: Connection, at: datetime, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` pending dispatches due at `at`, locked, oldest due first. (No order
    between them is needed: a cancel is written only once its release is no longer pending,
    fulfillment/withdraw.py.)"""
    d = tpl_dispatch
    stmt = (select(d).where(d.c.status == "pending", d.c.next_attempt_at <= at)
            .order_by(d.c.next_attempt_at, d.c.id).limit(limit))
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # two workers never send one row
    return [dict(r) for r in conn.execute(stmt).mappings()]


def joinable(conn: Connection, order_id: str, location_ids: Iterable[str]
             ) -> Sequence[Row[str, str]]:
    """The order's fulfilment orders at `location_ids` not started yet (open, picking) and not
    at a 3PL, oldest first, locked: (id, location_id). Locked and re-checked, so a pack
    committed meanwhile is not joined; a 3PL's release may be on its way already."""
    fo = fulfilment_order.c
    return conn.execute(
        select(fo.id, fo.location_id)
        .join(location_ref, location_ref.c.id == fo.location_id)
        .where(fo.order_id == order_id, fo.location_id.in_(sorted(set(location_ids))),
               fo.status.in_(sorted(str(s) for s in NOT_STARTED)), location_ref.c.kind != "3pl")
        .order_by(fo.seq).with_for_update(of=fulfilment_order)
    ).all()
