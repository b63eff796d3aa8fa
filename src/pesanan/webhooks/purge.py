"""Forget finished webhook deliveries past their keeping time (the scheduled job
`deliveries.purge`): every event times every endpoint is a row, and each try another, so
without this the two tables only grow.

Only finished ones go (delivered, or failed after their last attempt), with their attempts;
a pending delivery is never touched. A range replay (replay.py) makes missing deliveries
again from the outbox, so nothing a receiver could ask for is lost. Bounded batches, each
its own short transaction, like idempotency/purge.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select

from pesanan.db.tx import transact
from pesanan.webhooks.models import webhook_attempt, webhook_delivery

_d = webhook_delivery.c


def purge_batch(engine: Engine, before: datetime, batch: int) -> int:
    """Delete up to `batch` deliveries finished and created before `before`; how many."""
    def run(conn: Connection) -> int:
        ids = list(conn.execute(select(_d.id).where(_d.status != "pending",
                                                    _d.created_at < before,
                                                    _d.last_attempt_at < before)
                                .limit(batch)).scalars())
        if ids:
            conn.execute(delete(webhook_attempt).where(webhook_attempt.c.delivery_id.in_(ids)))
            conn.execute(delete(webhook_delivery).where(_d.id.in_(ids)))
        return len(ids)
    return int(transact(engine, run))
