"""Fulfilment, hold and edit invariants: fulfilment orders in step with reservations and
shipments, holds in step with status, revisions numbered, over-payment only after an edit."""

from __future__ import annotations

from sqlalchemy import Connection, and_, func, literal, or_, select

from pesanan.audit.base import Breach
from pesanan.fulfillment.models import (
    fulfilment_order,
    fulfilment_order_line,
    shipment,
    shipment_line,
)
from pesanan.inventory.models import (
    reservation,
)
from pesanan.orders.models import order_hold, order_line, order_revision, sales_order


def fulfilment_units_match_reservations(conn: Connection) -> list[Breach]:
    """Per order line: units on non-cancelled fulfilment orders = open reservations + shipped
    by those fulfilment orders. Said as: unshipped units on live fulfilment orders = the open
    reservations for an open order, and 0 for any other (held, cancelled, completed)."""
    fo, fol, res = fulfilment_order.c, fulfilment_order_line.c, reservation.c
    live = (select(fol.order_line_id, func.sum(fol.quantity - fol.quantity_shipped).label("n"))
            .join(fulfilment_order, fo.id == fol.fulfilment_order_id)
            .where(fo.status != "cancelled").group_by(fol.order_line_id).subquery())
    held = (select(res.order_line_id, func.sum(res.quantity).label("n"))
            .where(res.status == "open").group_by(res.order_line_id).subquery())
    on_fo = func.coalesce(live.c.n, 0)
    reserved = func.coalesce(held.c.n, 0)
    rows = conn.execute(
        select(sales_order.c.number, sales_order.c.status, order_line.c.line_no, order_line.c.sku,
               on_fo, reserved)
        .select_from(order_line.join(sales_order, sales_order.c.id == order_line.c.order_id)
                     .outerjoin(live, live.c.order_line_id == order_line.c.id)
                     .outerjoin(held, held.c.order_line_id == order_line.c.id))
        .where(or_(and_(sales_order.c.status == "open", on_fo != reserved),
                   and_(sales_order.c.status != "open", on_fo != 0)))
        .order_by(sales_order.c.number, order_line.c.line_no)
    ).all()
    return [Breach(f"order SO-{n:06d} line {no} ({sku})",
                   f"{status} order: {f} unshipped unit(s) on fulfilment orders, {r} reserved")
            for n, status, no, sku, f, r in rows]


def fulfilment_shipped_matches_shipments(conn: Connection) -> list[Breach]:
    """Per fulfilment order line: units shipped = its shipments' lines for that order line."""
    fol, sh, sl = fulfilment_order_line.c, shipment.c, shipment_line.c
    moved = (select(func.coalesce(func.sum(sl.quantity), 0))
             .select_from(shipment_line.join(shipment, sh.id == sl.shipment_id))
             .where(sh.fulfilment_order_id == fol.fulfilment_order_id,
                    sl.order_line_id == fol.order_line_id)
             .scalar_subquery())
    rows = conn.execute(
        select(fol.fulfilment_order_id, order_line.c.sku, fol.quantity_shipped, moved)
        .join(order_line, order_line.c.id == fol.order_line_id)
        .where(fol.quantity_shipped != moved)
        .order_by(fol.fulfilment_order_id, fol.order_line_id)
    ).all()
    return [Breach(f"fulfilment order {fid} ({sku})",
                   f"{have} unit(s) marked shipped, its shipments carry {want}")
            for fid, sku, have, want in rows]


# --- holds and edits (orders/holds.py, orders/edits.py) -----------------------------------------

def revisions_contiguous(conn: Connection) -> list[Breach]:
    """Each edited order's revisions are numbered 1..n with no gap or repeat."""
    r = order_revision.c
    rows = conn.execute(
        select(sales_order.c.number, func.count(), func.count(func.distinct(r.version)),
               func.min(r.version), func.max(r.version))
        .select_from(order_revision.join(sales_order, sales_order.c.id == r.order_id))
        .group_by(sales_order.c.number)
        .having(or_(func.min(r.version) != 1, func.max(r.version) != func.count(),
                    func.count(func.distinct(r.version)) != func.count()))
        .order_by(sales_order.c.number)).all()
    return [Breach(f"order {n}", f"{c} revision(s) numbered {lo}..{hi} ({d} distinct)")
            for n, c, d, lo, hi in rows]


def holds_match_status(conn: Connection) -> list[Breach]:
    """An order is on hold exactly when it has an active hold reason."""
    active = select(literal(1)).where(order_hold.c.order_id == sales_order.c.id,
                                      order_hold.c.status == "active").exists()
    o = sales_order.c
    rows = conn.execute(
        select(o.number, o.status)
        .where(or_(and_(o.status == "on_hold", ~active), and_(o.status != "on_hold", active)))
        .order_by(o.number)).all()
    return [Breach(f"order {n}", "on hold without an active reason" if s == "on_hold"
                   else f"{s} but has an active hold reason") for n, s in rows]


def held_orders_not_released(conn: Connection) -> list[Breach]:
    """A held order has no fulfilment order the warehouse could still work on."""
    fo = fulfilment_order.c
    rows = conn.execute(
        select(sales_order.c.number, fo.seq, fo.status)
        .join(fulfilment_order, fo.order_id == sales_order.c.id)
        .where(sales_order.c.status == "on_hold",
               fo.status.in_(["open", "picking", "packed", "partially_shipped"]))
        .order_by(sales_order.c.number, fo.seq)).all()
    return [Breach(f"order {n}", f"on hold but fulfilment order {seq} is {st}")
            for n, seq, st in rows]


def overpaid_only_after_edit(conn: Connection) -> list[Breach]:
    """Net paid above the total (a refund due) only happens to an order an edit lowered."""
    o = sales_order.c
    edited = select(literal(1)).where(order_revision.c.order_id == o.id).exists()
    rows = conn.execute(
        select(o.number, o.amount_paid - o.amount_refunded, o.total)
        .where(o.amount_paid - o.amount_refunded > o.total, ~edited)
        .order_by(o.number)).all()
    return [Breach(f"order {n}", f"net paid {p} exceeds total {t} but it was never edited")
            for n, p, t in rows]


