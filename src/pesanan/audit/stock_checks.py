"""Stock-state invariants (issue 4): quarantine, transfers in transit, backorders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select

from pesanan.audit.base import Breach, level_name, with_names
from pesanan.catalog.models import product
from pesanan.inventory.models import (
    backorder,
    quarantine_level,
    quarantine_movement,
    reservation,
    stock_movement,
    stock_transfer,
    stock_transfer_line,
)
from pesanan.orders.models import order_line, sales_order


def quarantine_matches_journal(conn: Connection) -> list[Breach]:
    """Quarantined units at each location = the sum of their quarantine journal, both ways."""
    q, m = quarantine_level.c, quarantine_movement.c
    sums = (select(m.product_id, m.location_id, func.sum(m.quantity).label("total"))
            .group_by(m.product_id, m.location_id).subquery())
    key = and_(sums.c.product_id == q.product_id, sums.c.location_id == q.location_id)
    total = func.coalesce(sums.c.total, 0)
    mismatched = conn.execute(with_names(
        select(q.quantity, total).select_from(quarantine_level.outerjoin(sums, key))
        .where(or_(q.quantity != total, q.quantity < 0))
        .order_by(q.product_id, q.location_id), q.product_id, q.location_id)).all()
    orphans = conn.execute(with_names(
        select(sums.c.total).where(sums.c.total != 0, ~select(literal(1)).where(key).exists())
        .order_by(sums.c.product_id, sums.c.location_id),
        sums.c.product_id, sums.c.location_id)).all()
    return ([Breach(level_name(sku, code), f"quarantined {have} but its journal sums to {want}")
             for have, want, sku, code in mismatched]
            + [Breach(level_name(sku, code), f"no quarantine row but its journal sums to {want}")
               for want, sku, code in orphans])


def transfers_match_movements(conn: Connection) -> list[Breach]:
    """Per transfer line: shipped = units its transfer_out movements took from the source,
    received = units its transfer_in movements put at the destination, so in transit =
    shipped - received; a draft or cancelled transfer has shipped nothing, a received one has
    nothing left in transit."""
    t, line, mv = stock_transfer.c, stock_transfer_line.c, stock_movement.c

    def moved(kind: str, sign: int) -> Any:
        return (select(func.coalesce(func.sum(mv.quantity), 0) * sign)
                .where(mv.reference_type == "stock_transfer", mv.reference_id == line.transfer_id,
                       mv.product_id == line.product_id, mv.kind == kind)
                .scalar_subquery())

    out_, in_ = moved("transfer_out", -1), moved("transfer_in", 1)
    rows = conn.execute(
        select(t.number, t.status, product.c.sku, line.quantity_shipped,
               line.quantity_received, out_, in_)
        .select_from(stock_transfer_line.join(stock_transfer, t.id == line.transfer_id)
                     .join(product, product.c.id == line.product_id))
        .where(or_(line.quantity_shipped != out_, line.quantity_received != in_,
                   and_(t.status.in_(("draft", "cancelled")), line.quantity_shipped != 0),
                   and_(t.status == "received",
                        line.quantity_shipped != line.quantity_received)))
        .order_by(t.number, product.c.sku)).all()
    return [Breach(f"transfer TR-{n:06d} {sku}",
                   f"{status}: shipped {sh} (movements {o}), received {rc} (movements {i})")
            for n, status, sku, sh, rc, o, i in rows]


def backorder_lines_add_up(conn: Connection) -> list[Breach]:
    """Issue 4: a line with an open backorder is fully accounted for: shipped + open
    reservations + open backorder = ordered (lines without backorders are left to the stock
    checks, since shipping and edits own those)."""
    res = (select(reservation.c.order_line_id, func.sum(reservation.c.quantity).label("q"))
           .where(reservation.c.status == "open")
           .group_by(reservation.c.order_line_id).subquery())
    bo = (select(backorder.c.order_line_id, func.sum(backorder.c.quantity_open).label("q"))
          .where(backorder.c.status == "open")
          .group_by(backorder.c.order_line_id).subquery())
    reserved = func.coalesce(res.c.q, 0)
    rows = conn.execute(
        select(sales_order.c.number, order_line.c.line_no, order_line.c.sku,
               order_line.c.quantity, order_line.c.quantity_shipped, reserved, bo.c.q)
        .select_from(order_line.join(bo, bo.c.order_line_id == order_line.c.id)
                     .join(sales_order, sales_order.c.id == order_line.c.order_id)
                     .outerjoin(res, res.c.order_line_id == order_line.c.id))
        .where(order_line.c.quantity != order_line.c.quantity_shipped + reserved + bo.c.q)
        .order_by(sales_order.c.number, order_line.c.line_no)
    ).all()
    return [Breach(f"order {number} line {no} ({sku})",
                   f"ordered {q} but shipped {shipped} + reserved {r} + backordered {b}")
            for number, no, sku, q, shipped, r, b in rows]


def backorders_within_limits(conn: Connection) -> list[Breach]:
    """Issue 4: product.backorder_open = open backorder units, and never above the limit."""
    sums = (select(backorder.c.product_id, func.sum(backorder.c.quantity_open).label("q"))
            .where(backorder.c.status == "open").group_by(backorder.c.product_id).subquery())
    total = func.coalesce(sums.c.q, 0)
    rows = conn.execute(
        select(product.c.sku, product.c.backorder_open, product.c.backorder_limit, total)
        .select_from(product.outerjoin(sums, sums.c.product_id == product.c.id))
        .where(or_(product.c.backorder_open != total,
                   product.c.backorder_open > product.c.backorder_limit))
        .order_by(product.c.sku)
    ).all()
    return [Breach(f"product {sku}", f"backorder_open {n}, open backorders sum to {t}, "
                                     f"limit {limit}")
            for sku, n, limit, t in rows]


# --- returns (credit notes, refunds, RMAs) -----------------------------------------------------

