"""Cancel an order: withdraw it from fulfilment → release its reservations → cancel its
backorders → resolve its holds → cancelled.

The order row is locked first, as every command on an order does (orders/locks.py); the stock
rows and then the backorder rows follow in inventory's lock order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.events.service import emit
from pesanan.fulfillment import withdraw
from pesanan.inventory import backorders
from pesanan.inventory import service as inventory
from pesanan.orders import holds, locks
from pesanan.orders import service as orders
from pesanan.orders import status as st
from pesanan.orders.queries import get_order
from pesanan.orders.schemas import CancelOrder


def cancel_order(conn: Connection, order_id: str, cmd: CancelOrder, actor: Actor
                 ) -> dict[str, Any]:
    order = locks.order_row(conn, order_id)
    orders.check_cancellable(order)
    # Refuses (409) while a fulfilment order is packed: the goods are in a box at the dock.
    withdraw.withdraw_order(conn, order_id, actor, reason=f"order cancelled: {cmd.reason}")
    released = inventory.release_for_order(conn, order_id)
    backorders.cancel_for_order(conn, order_id)  # after the stock rows: see its lock order
    holds.resolve_on_cancel(conn, order, actor, cmd.reason)  # before the status changes
    orders.set_status(conn, order, "status", st.OrderStatus.CANCELLED, actor,
                      f"Order cancelled: {cmd.reason} ({released} reserved units released)")
    view = get_order(conn, order_id)
    emit(conn, "order.cancelled", "order", order_id,
         {"id": order_id, "reason": cmd.reason, "released_units": released})
    return view
