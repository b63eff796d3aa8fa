"""Purge idempotency keys past their keeping time (the scheduled job `idempotency.purge`).

A key older than KEEP_FOR is already treated as expired by `claim` (a retry with it runs
afresh), so deleting it changes no answer; it only stops the table from growing forever.
Deleted in bounded batches, each its own short transaction, so a table with millions of old
keys never holds one long transaction (nor its locks) while requests claim new keys.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, tuple_

from pesanan.db.tx import transact
from pesanan.idempotency.models import idempotency_key

_t = idempotency_key.c


def purge_batch(engine: Engine, before: datetime, batch: int) -> int:
    """Delete up to `batch` keys created and last claimed before `before`; how many went."""
    # locked_at too: a claim taken over lately rewrote created_at, but be explicit that a key
    # someone holds right now is never deleted under them.
    old = (select(_t.scope, _t.key)
           .where(_t.created_at < before, _t.locked_at < before)
           .limit(batch))
    return transact(engine, lambda conn: conn.execute(
        delete(idempotency_key).where(tuple_(_t.scope, _t.key).in_(old))).rowcount)


def purge_expired(engine: Engine, at: datetime, older_than: timedelta, batch: int = 1000,
                  max_batches: int = 100) -> dict[str, int | bool]:
    """Delete keys older than `older_than` at `at`, batch by batch, at most `max_batches`
    per run (the next run goes on). Running it again deletes nothing more."""
    before = at - older_than
    purged = 0
    for _ in range(max_batches):
        n = purge_batch(engine, before, batch)
        purged += n
        if n < batch:
            return {"purged": purged, "more": False}
    return {"purged": purged, "more": True}
