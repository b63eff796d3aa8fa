"""SLA waits the orders domain can see, and the record of breaches already reported.

Stages read here: `placed` (open, nothing shipped, not released to fulfilment — the caller says
which orders are released, since fulfilment sits above orders) and `on_hold` (since its oldest
active hold). The warehouse stages are fulfillment/sla_queries.py; flows/sla.py runs the job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select, text

from pesanan.db.types import UTCDateTime
from pesanan.orders import status as st
from pesanan.orders.models import order_hold, order_sla_breach, sales_order

_b = order_sla_breach.c
_o = sales_order.c
# One statement on both databases; a second report of the same (order, stage) inserts nothing.
_report = text(
    "INSERT INTO order_sla_breach (order_id, stage, since, threshold_seconds, reported_at) "
    "VALUES (:o, :s, :since, :th, :at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("since", type_=UTCDateTime), bindparam("at", type_=UTCDateTime))


def reported(stage: str) -> Select[tuple[str]]:
    """The orders whose `stage` breach was reported, as a subquery for `NOT IN`."""
    return select(_b.order_id).where(_b.stage == stage)


def waiting_placed(conn: Connection, before: datetime, released: Select[tuple[str]],
                   limit: int) -> list[tuple[str, datetime]]:
    """(order id, placed_at) of open, unfulfilled orders placed before `before` that are not
    in `released` and not yet reported, oldest first."""
    rows = conn.execute(
        select(_o.id, _o.placed_at)
        .where(_o.status == st.OrderStatus.OPEN.value,
               _o.fulfillment_status == st.FulfillmentStatus.UNFULFILLED.value,
               _o.placed_at < before, _o.id.not_in(released), _o.id.not_in(reported("placed")))
        .order_by(_o.placed_at, _o.id).limit(limit))
    return [(r.id, r.placed_at) for r in rows]


def waiting_on_hold(conn: Connection, before: datetime, limit: int
                    ) -> list[tuple[str, datetime]]:
    """(order id, since) of orders on hold since before `before` (their oldest active hold),
    not yet reported, oldest first."""
    since = func.min(order_hold.c.created_at).label("since")
    rows = conn.execute(
        select(_o.id, since)
        .join(order_hold, order_hold.c.order_id == _o.id)
        .where(_o.status == st.OrderStatus.ON_HOLD.value, order_hold.c.status == "active",
               _o.id.not_in(reported("on_hold")))
        .group_by(_o.id).having(since < before)
        .order_by(since, _o.id).limit(limit))
    return [(r.id, r.since) for r in rows]


def record_breach(conn: Connection, order_id: str, stage: str, since: datetime,
                  threshold_seconds: int, at: datetime) -> bool:
    """Remember the breach; False when it was reported already (a concurrent or earlier run)."""
    done = conn.execute(_report, {"o": order_id, "s": stage, "since": since,
                                  "th": threshold_seconds, "at": at})
    return done.rowcount == 1


def numbers(conn: Connection, order_ids: list[str]) -> dict[str, int]:
    if not order_ids:
        return {}
    return {r.id: r.number for r in conn.execute(
        select(_o.id, _o.number).where(_o.id.in_(order_ids)))}


def breaches_of(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        select(order_sla_breach).where(_b.order_id == order_id).order_by(_b.stage)
    ).mappings()]
