"""Shipment reads."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from pesanan.fulfillment.models import shipment


def all_delivered(conn: Connection, order_id: str) -> bool:
    """True when the order has shipments and every one of them is delivered."""
    total, delivered = conn.execute(
        select(func.count(), func.count().filter(shipment.c.status == "delivered"))
        .where(shipment.c.order_id == order_id)
    ).one()
    return bool(total) and total == delivered
