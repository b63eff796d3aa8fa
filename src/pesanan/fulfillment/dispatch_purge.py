"""Forget the attempt log of 3PL dispatches finished long ago (the scheduled job
`deliveries.purge`, beside the webhooks'). The dispatch rows stay: they are the fulfilment
order's record (what was sent, when); only their per-try log goes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select

from pesanan.db.tx import transact
from pesanan.fulfillment.models import tpl_dispatch, tpl_dispatch_attempt

_a = tpl_dispatch_attempt.c


def purge_batch(engine: Engine, before: datetime, batch: int) -> int:
    """Delete up to `batch` attempts made before `before` of dispatches no longer pending."""
    finished = select(tpl_dispatch.c.id).where(tpl_dispatch.c.status != "pending")
    old = select(_a.id).where(_a.attempted_at < before,
                              _a.dispatch_id.in_(finished)).limit(batch)
    return int(transact(engine, lambda conn: conn.execute(
        delete(tpl_dispatch_attempt).where(_a.id.in_(old))).rowcount))
