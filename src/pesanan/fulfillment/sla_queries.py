"""Warehouse waits for the SLA job (flows/sla.py): orders whose fulfilment orders sit in one
status since before a moment.

Stages: `released` (a fulfilment order still open, since it was released: created_at),
`picking` and `packed` (since the fulfilment order last changed: updated_at, which every status
change writes). An order with several fulfilment orders waits since its oldest one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Select, func, select

from pesanan.fulfillment import status as st
from pesanan.fulfillment.models import fulfilment_order
from pesanan.orders import sla

_f = fulfilment_order.c
STAGES = {"released": (st.FOStatus.OPEN, _f.created_at),
          "picking": (st.FOStatus.PICKING, _f.updated_at),
          "packed": (st.FOStatus.PACKED, _f.updated_at)}


def released_orders() -> Select[tuple[str]]:
    """Orders handed to fulfilment (a fulfilment order not cancelled), as a subquery."""
    return select(_f.order_id).where(_f.status != st.FOStatus.CANCELLED.value)


def waiting(conn: Connection, stage: str, before: datetime, limit: int
            ) -> list[tuple[str, datetime]]:
    """(order id, since) of orders in `stage` since before `before`, not yet reported for it,
    oldest first."""
    status, column = STAGES[stage]
    since = func.min(column).label("since")
    rows = conn.execute(
        select(_f.order_id, since)
        .where(_f.status == status.value, _f.order_id.not_in(sla.reported(stage)))
        .group_by(_f.order_id).having(since < before)
        .order_by(since, _f.order_id).limit(limit))
    return [(r.order_id, r.since) for r in rows]
