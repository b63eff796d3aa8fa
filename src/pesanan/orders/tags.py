"""Order tags: labels a person or an automation rule puts on an order (`vip`, `fraud-check`).
Adding a tag the order has is a no-op (no second timeline line)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.orders import locks
from pesanan.orders.models import order_tag
from pesanan.orders.service import note_event


def add_tag(conn: Connection, order_id: str, tag: str, actor: Actor) -> bool:
    """Tag the order; True if the tag is new. The order row is locked first, as every command
    on one order does, so two adds of one tag queue there and the second sees the first."""
    locks.order_row(conn, order_id)
    if tag in tags_of(conn, order_id):
        return False
    conn.execute(order_tag.insert(), {"order_id": order_id, "tag": tag, "actor": actor.name,
                                      "created_at": now()})
    note_event(conn, order_id, "order.tagged", f"Tagged {tag}", actor)
    return True


def tags_of(conn: Connection, order_id: str) -> list[str]:
    return list(conn.execute(select(order_tag.c.tag).where(order_tag.c.order_id == order_id)
                             .order_by(order_tag.c.tag)).scalars())
