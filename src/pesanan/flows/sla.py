"""SLA alerts (the scheduled job `orders.sla`): an order waiting in a stage longer than the
shop's threshold emits `sla.breached` once per (order, stage).

Stages, in the order an order passes them: `placed` (not yet released to fulfilment: waiting
for stock or a person), `on_hold`, then the warehouse's `released` (fulfilment order open),
`picking` and `packed` (not shipped). A flow because it reads both orders and fulfilment.

Once per (order, stage): the breach row (orders.order_sla_breach) is inserted in the same
transaction as the event, and the event is emitted only when the insert took, so a re-run or a
concurrent run never reports a breach twice. An order that leaves a stage and comes back is not
reported again for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from pesanan.core.clock import rfc3339
from pesanan.events.service import emit
from pesanan.fulfillment import sla_queries as warehouse
from pesanan.orders import sla
from pesanan.orders.queries import order_number

STAGES = ("placed", "on_hold", "released", "picking", "packed")
# Hours a stage may take before it is a breach; a shop sets its own per stage (job params).
DEFAULT_HOURS: dict[str, float] = {"placed": 24, "on_hold": 48, "released": 24,
                                   "picking": 8, "packed": 24}


def _waiting(conn: Connection, stage: str, before: datetime, limit: int
             ) -> list[tuple[str, datetime]]:
    if stage == "placed":
        return sla.waiting_placed(conn, before, warehouse.released_orders(), limit)
    if stage == "on_hold":
        return sla.waiting_on_hold(conn, before, limit)
    return warehouse.waiting(conn, stage, before, limit)


def check_sla(conn: Connection, at: datetime, hours: dict[str, float], limit: int = 500
              ) -> dict[str, Any]:
    """Report every (order, stage) over its threshold at `at`, up to `limit` per stage (the
    oldest first; the next run reports the rest). `hours`: stage -> threshold; a stage left
    out is not checked. Returns {"breached": {stage: n}, "more": bool}."""
    breached: dict[str, int] = {}
    more = False
    for stage in STAGES:
        if stage not in hours:
            continue
        threshold = timedelta(hours=hours[stage])
        found = _waiting(conn, stage, at - threshold, limit)
        more = more or len(found) == limit
        numbers = sla.numbers(conn, [oid for oid, _ in found])
        n = 0
        for order_id, since in found:
            if not sla.record_breach(conn, order_id, stage, since,
                                     int(threshold.total_seconds()), at):
                continue
            emit(conn, "sla.breached", "order", order_id, {
                "order_id": order_id, "number": order_number(numbers[order_id]),
                "stage": stage, "since": rfc3339(since), "threshold_hours": hours[stage],
                "waited_hours": round((at - since).total_seconds() / 3600, 1)})
            n += 1
        breached[stage] = n
    return {"breached": breached, "more": more}
