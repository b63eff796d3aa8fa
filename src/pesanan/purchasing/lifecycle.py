"""Purchase order lifecycle: checked status changes, submit and cancel (the row lock is in
purchasing/locks.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import Conflict
from pesanan.events.service import emit
from pesanan.purchasing import locks
from pesanan.purchasing import queries as qs
from pesanan.purchasing import status as st
from pesanan.purchasing.models import purchase_order
from pesanan.purchasing.schemas import CancelPurchaseOrder


def set_status(conn: Connection, po: dict[str, Any], target: st.POStatus) -> None:
    """A checked transition, written as a compare-and-set on the current status."""
    st.check(po["status"], target)
    done = conn.execute(
        update(purchase_order)
        .where(purchase_order.c.id == po["id"], purchase_order.c.status == po["status"])
        .values(status=target.value, updated_at=now())
    )
    if done.rowcount != 1:
        raise Conflict(f"purchase order {po['id']} changed concurrently")
    po["status"] = target.value


def submit_purchase_order(conn: Connection, po_id: str, actor: Actor) -> dict[str, Any]:
    """The draft was sent to the supplier: draft -> ordered."""
    po = locks.purchase_order_row(conn, po_id)
    set_status(conn, po, st.POStatus.ORDERED)
    view = qs.get_purchase_order(conn, po_id)
    emit(conn, "purchase_order.ordered", "purchase_order", po_id,
         {"id": po_id, "number": view["number"], "ordered_by": actor.name})
    return view


def cancel_purchase_order(conn: Connection, po_id: str, cmd: CancelPurchaseOrder, actor: Actor
                          ) -> dict[str, Any]:
    """Only before anything arrived: received goods are owed for (see status.TRANSITIONS)."""
    po = locks.purchase_order_row(conn, po_id)
    set_status(conn, po, st.POStatus.CANCELLED)
    view = qs.get_purchase_order(conn, po_id)
    emit(conn, "purchase_order.cancelled", "purchase_order", po_id,
         {"id": po_id, "number": view["number"], "reason": cmd.reason,
          "cancelled_by": actor.name})
    return view
