"""Withdraw an order from fulfilment: cancel the fulfilment orders nobody has started shipping
(open, picking). A packed or partially shipped one is refused with Conflict (409): the goods
are boxed or partly gone, so a person must unpack it (or ship it) first. Shipped and delivered
ones are history and stay as they are. A failed-delivery one keeps what it shipped, but its
units not yet shipped are trimmed off: they are still on the shelf (the failure concerns the
parcel that left), and the changed order's reservations are released afresh (flows/release.py).
A 3PL whose release was already sent gets a cancel dispatch.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, func, or_, select, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError
from pesanan.core.ids import new_id
from pesanan.fulfillment.models import fulfilment_order, fulfilment_order_line, tpl_dispatch
from pesanan.fulfillment.numbers import fo_number
from pesanan.fulfillment.status import IN_SHIPPING, NOT_STARTED, FOStatus
from pesanan.orders import service as orders
from pesanan.orders.queries import order_ref


def withdraw_order(conn: Connection, order_id: str, actor: Actor | None,
                   reason: str = "order changed") -> list[str]:
    """Cancel the order's fulfilment orders not yet shipping; returns their ids. The caller
    holds the order lock (cancel, hold, edit all take it first)."""
    rows = conn.execute(
        select(fulfilment_order.c.id, fulfilment_order.c.seq, fulfilment_order.c.status,
               order_ref.c.number)
        .join(order_ref, order_ref.c.id == fulfilment_order.c.order_id)
        .where(fulfilment_order.c.order_id == order_id,
               fulfilment_order.c.status != FOStatus.CANCELLED)
        .order_by(fulfilment_order.c.seq)
    ).all()
    blocked = [r for r in rows if r.status in IN_SHIPPING]
    if blocked:
        r = blocked[0]
        raise Conflict(
            f"fulfilment order {fo_number(r.number, r.seq)} is {r.status}: unpack it or ship "
            "it before the order can change",
            [FieldError("fulfilment_order", "in_shipping",
                        f"{fo_number(r.number, r.seq)} is {r.status}")])
    trimmed = _trim_failed(conn, [r.id for r in rows if r.status == FOStatus.FAILED_DELIVERY])
    targets = [r for r in rows if r.status in NOT_STARTED]
    if not targets:
        return trimmed
    ids = [r.id for r in targets]
    done = conn.execute(
        update(fulfilment_order)
        .where(fulfilment_order.c.id.in_(ids),
               fulfilment_order.c.status.in_(sorted(str(s) for s in NOT_STARTED)))
        .values(status=FOStatus.CANCELLED.value, updated_at=now()))
    if done.rowcount != len(ids):
        raise Conflict("a fulfilment order of this order changed concurrently; try again")
    _withdraw_dispatches(conn, ids)
    names = ", ".join(fo_number(r.number, r.seq) for r in targets)
    orders.note_event(conn, order_id, "fulfilment.withdrawn",
                      f"Fulfilment order(s) {names} cancelled: {reason}", actor)
    return trimmed + ids


def _trim_failed(conn: Connection, fo_ids: list[str]) -> list[str]:
    """Cut the unshipped units off failed-delivery fulfilment orders; returns those changed.
    A line that shipped nothing goes; the others keep exactly what they shipped."""
    if not fo_ids:
        return []
    fol = fulfilment_order_line.c
    open_lines = (fol.fulfilment_order_id.in_(fo_ids), fol.quantity_shipped < fol.quantity)
    changed = sorted(set(conn.execute(
        select(fol.fulfilment_order_id).where(*open_lines)).scalars()))
    if not changed:
        return []
    conn.execute(fulfilment_order_line.delete().where(*open_lines, fol.quantity_shipped == 0))
    conn.execute(update(fulfilment_order_line).where(*open_lines).values(
        quantity=fol.quantity_shipped,
        quantity_picked=func.least(fol.quantity_picked, fol.quantity_shipped)
        if conn.dialect.name == "postgresql"
        else func.min(fol.quantity_picked, fol.quantity_shipped)))
    conn.execute(update(fulfilment_order).where(fulfilment_order.c.id.in_(changed))
                 .values(updated_at=now()))
    return changed


def _withdraw_dispatches(conn: Connection, fo_ids: list[str]) -> None:
    """A release that never left is simply not sent; a 3PL that may have it is told.

    "May have it" is more than "sent": a release tried and answered with an error or no answer
    at all (attempts > 0) may still have been taken in, and one being sent right now (claimed:
    its next attempt pushed to its lease's end, delivery/machine.py) will get there while its
    answer is fenced off. Only a pending release never tried and not in flight is silent; a
    3PL told to cancel a release it never got just has nothing to cancel."""
    d = tpl_dispatch.c
    at = now()
    sent = conn.execute(
        select(d.fulfilment_order_id, d.location_id)
        .where(d.fulfilment_order_id.in_(fo_ids), d.kind == "release",
               or_(d.status.in_(("sent", "failed")),
                   and_(d.status == "pending", or_(d.attempts > 0, d.next_attempt_at > at))))
    ).all()
    conn.execute(update(tpl_dispatch)
                 .where(tpl_dispatch.c.fulfilment_order_id.in_(fo_ids),
                        tpl_dispatch.c.kind == "release", tpl_dispatch.c.status == "pending")
                 .values(status="cancelled"))
    if sent:
        ts = now()
        conn.execute(tpl_dispatch.insert(), [
            {"id": new_id(), "fulfilment_order_id": r.fulfilment_order_id,
             "location_id": r.location_id, "kind": "cancel", "status": "pending",
             "attempts": 0, "next_attempt_at": ts, "created_at": ts} for r in sent])
