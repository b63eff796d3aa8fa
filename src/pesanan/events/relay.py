"""The relay: stamps committed outbox rows with their `position`, in commit order.

Why a stamp and not "read by sequence": on PostgreSQL a sequence number is taken at insert, so
a transaction can hold sequence 5 while one holding 6 commits first; a reader paging by
sequence sees 6, moves its cursor past it, and never sees 5. The stamp is given only to rows
that are already committed (a row is invisible before), by one stamper at a time (a
transaction-scoped advisory lock; SQLite has one writer anyway), always above every position
given before. So a row committed late gets a later position, and a consumer reading
`position > cursor` can never have moved past it.

Run by the worker (worker/tasks.py) every few hundred milliseconds. Rows committed together are
stamped in sequence order, which keeps the events of one order in the order they happened (a
later change to an order waits on the row lock of the earlier one, so it takes a later
sequence).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, Update, bindparam, func, select, text, update

from pesanan.db.tx import transact
from pesanan.events.models import outbox

BATCH = 1000
# Any constant unique to this lock in the database (pg_advisory_xact_lock takes a bigint).
STAMP_LOCK = 0x70657361_6E616E01


def _stamp_statement() -> Update:
    # The base is read in the UPDATE itself, after the lock was granted (each statement under
    # READ COMMITTED sees what committed before it began): one round trip less per pass than
    # reading the max first.
    base = select(func.coalesce(func.max(outbox.c.position), 0)).scalar_subquery()
    rank = func.row_number().over(order_by=outbox.c.sequence).label("rank")
    batch = (select(outbox.c.sequence, rank).where(outbox.c.position.is_(None))
             .order_by(outbox.c.sequence).limit(bindparam("limit")).subquery())
    return (update(outbox).where(outbox.c.sequence == batch.c.sequence)
            .values(position=base + batch.c.rank))


# Built once: the relay runs several times a second under load.
_STAMP = _stamp_statement()
# With the lock, for this transaction only: no bitmap scans. The batch is read from
# ix_outbox_unstamped, which keeps an entry for every row ever stamped until a vacuum (the
# stamp makes a new row version); a plain index scan marks those entries dead as it passes
# them, so the next pass skips them, but a bitmap scan never does, and read the heap page of
# every row stamped since the last vacuum on each pass (7,000 buffers per pass with autovacuum
# off). Without statistics the planner picked the bitmap scan and a sort.
_LOCK = text("SELECT pg_advisory_xact_lock(:k), set_config('enable_bitmapscan', 'off', true)")


def stamp(conn: Connection, limit: int = BATCH) -> int:
    """Stamp up to `limit` unstamped rows, oldest sequence first; returns how many."""
    if conn.dialect.name == "postgresql":
        # Held to the end of this transaction. The statement below starts after it is granted,
        # and under READ COMMITTED sees the previous stamper's committed positions.
        conn.execute(_LOCK, {"k": STAMP_LOCK})
    return int(conn.execute(_STAMP, {"limit": limit}).rowcount)


_ANY_UNSTAMPED = select(outbox.c.sequence).where(outbox.c.position.is_(None)).limit(1)


def stamp_pending(engine: Engine, limit: int = BATCH, *, look_first: bool = True) -> int:
    """One stamping transaction (the worker's relay task). It runs five times a second, so an
    idle pass is one indexed read (the partial index on unstamped rows), not the lock, the
    max and the update: that was a third of the idle worker's time. `look_first=False` skips
    that read when events are surely waiting (the pass before found some: under load it is a
    connection and a statement per pass for nothing)."""
    if look_first:
        with engine.connect() as conn:
            waiting = conn.execute(_ANY_UNSTAMPED).first()
        if waiting is None:
            return 0
    return transact(engine, lambda conn: stamp(conn, limit))

