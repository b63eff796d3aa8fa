"""Warehouse steps on one fulfilment order: start picking, pack, unpack.

Each takes the order's row lock first — the same lock shipping, cancelling, holding and editing
take — so a step and a withdrawal of the same order run one after the other, and the status
change is a compare-and-set on top.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import InvalidTransition, NotFound
from pesanan.events.service import emit
from pesanan.fulfillment import status as fst
from pesanan.fulfillment.fo_queries import get_fulfilment_order
from pesanan.fulfillment.models import fulfilment_order, fulfilment_order_line
from pesanan.orders import locks as order_locks
from pesanan.orders import service as orders


def step(conn: Connection, fo_id: str, name: str, actor: Actor) -> dict[str, Any]:
    """`pick` (open -> picking), `pack` (-> packed: every unshipped unit is in the box) or
    `unpack` (packed -> picking, e.g. so the order can be changed)."""
    order_id = conn.execute(select(fulfilment_order.c.order_id)
                            .where(fulfilment_order.c.id == fo_id)).scalar()
    if order_id is None:
        raise NotFound(f"fulfilment order {fo_id} not found")
    order = order_locks.order_row(conn, order_id)
    current = conn.execute(select(fulfilment_order.c.status)
                           .where(fulfilment_order.c.id == fo_id)).scalar_one()
    try:
        target = fst.step_target(name, current)
    except ValueError as e:
        raise InvalidTransition(str(e)) from None
    if name == "pack" and order["status"] != "open":
        raise InvalidTransition(f"a {order['status']} order cannot be packed")
    done = conn.execute(update(fulfilment_order)
                        .where(fulfilment_order.c.id == fo_id,
                               fulfilment_order.c.status == current)
                        .values(status=target.value, updated_at=now()))
    if done.rowcount != 1:
        raise InvalidTransition("the fulfilment order changed concurrently; try again")
    if name == "pack":
        conn.execute(update(fulfilment_order_line)
                     .where(fulfilment_order_line.c.fulfilment_order_id == fo_id)
                     .values(quantity_picked=fulfilment_order_line.c.quantity))
    elif name == "unpack":
        conn.execute(update(fulfilment_order_line)
                     .where(fulfilment_order_line.c.fulfilment_order_id == fo_id)
                     .values(quantity_picked=fulfilment_order_line.c.quantity_shipped))
    view = get_fulfilment_order(conn, fo_id)
    orders.note_event(conn, order_id, f"fulfilment.{target.value}",
                      f"Fulfilment order {view['number']} at {view['location_code']}: "
                      f"{current} -> {target.value}", actor)
    emit(conn, f"fulfilment_order.{_past(name)}", "fulfilment_order", fo_id, view)
    return view


def _past(name: str) -> str:
    return {"pick": "picking_started", "pack": "packed", "unpack": "unpacked"}[name]
