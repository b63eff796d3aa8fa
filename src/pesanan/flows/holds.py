"""Put an order on hold, release the hold, cancel a held order: each takes the order back from
fulfilment or hands it over (flows/release.py), so they are processes over orders' hold rows
(orders/holds.py) and fulfilment.

The order row is locked first (orders/locks.py), as every command on one order does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.events.service import emit
from pesanan.flows import cancel
from pesanan.flows import release as fulfilment
from pesanan.fulfillment import withdraw
from pesanan.orders import holds, locks
from pesanan.orders.schemas import CancelHeldOrder, CancelOrder, HoldOrder, ReleaseHold


def hold_order(conn: Connection, order_id: str, cmd: HoldOrder, actor: Actor) -> dict[str, Any]:
    order = locks.order_row(conn, order_id)
    holds.check_holdable(order)
    # Goods not yet picked must not leave: take back what was released to the warehouse.
    withdraw.withdraw_order(conn, order_id, actor, f"order put on hold: {cmd.reason}")
    holds.put_on_hold(conn, order, cmd.reason, actor)
    return holds.order_with_holds(conn, order_id)


def release_hold(conn: Connection, order_id: str, cmd: ReleaseHold, actor: Actor
                 ) -> dict[str, Any]:
    """on_hold -> open: resolve every active reason and release the order to fulfilment."""
    order = locks.order_row(conn, order_id)
    holds.lift_hold(conn, order, cmd.note, actor)
    # Creates fulfilment orders for what the order has reserved (idempotent).
    fulfilment.release_order(conn, order_id, actor)
    emit(conn, "order.released", "order", order_id, {"id": order_id, "note": cmd.note})
    return holds.order_with_holds(conn, order_id)


def cancel_held(conn: Connection, order_id: str, cmd: CancelHeldOrder, actor: Actor
                ) -> dict[str, Any]:
    """The review queue's "cancel": only for an order that is on hold."""
    holds.require_on_hold(locks.order_row(conn, order_id))
    cancel.cancel_order(conn, order_id, CancelOrder(reason=cmd.note[:200]), actor)
    return holds.order_with_holds(conn, order_id)
