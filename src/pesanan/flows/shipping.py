"""Ship an order: lock it, check it may ship (open, the version the caller read), release to
fulfilment whatever is reserved but not on a fulfilment order yet, then ship from its
fulfilment orders (fulfillment/service.py).

The other shipment commands (one fulfilment order, deliver, fail, the 3PL's callbacks) release
nothing, so they stay in fulfillment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.flows import release
from pesanan.fulfillment import service as fulfillment
from pesanan.fulfillment.schemas import CreateShipment
from pesanan.orders import locks as order_locks
from pesanan.orders import service as orders


def ship_order(conn: Connection, order_id: str, cmd: CreateShipment, actor: Actor
               ) -> dict[str, Any]:
    """Ship the requested lines (absent: everything unshipped). Returns {"items": shipments}."""
    order = order_locks.order_row(conn, order_id)
    fulfillment.require_shippable(order)
    orders.require_version(order, cmd.expected_version)
    # Reservations no fulfilment order covers yet (an order placed before fulfilment orders
    # existed, units a receipt released from backorder) are released now; usually a no-op.
    release.release_order(conn, order_id, actor)
    return fulfillment.ship_released(conn, order, cmd, actor)
