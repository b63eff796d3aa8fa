"""Returns and money-back invariants: credit notes, refunds, returned and restocked units."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, or_, select

from pesanan.audit.base import Breach
from pesanan.billing.models import credit_note, refund
from pesanan.fulfillment.models import (
    shipment,
    shipment_line,
)
from pesanan.inventory.models import (
    stock_movement,
)
from pesanan.ledger.models import journal_entry, journal_line
from pesanan.orders.models import sales_order
from pesanan.returns.models import rma, rma_line


def credit_note_numbers_gapless(conn: Connection) -> list[Breach]:
    """Per year, credit note sequence numbers are exactly 1..count."""
    years = conn.execute(
        select(credit_note.c.year, func.count(), func.count(func.distinct(credit_note.c.seq)),
               func.min(credit_note.c.seq), func.max(credit_note.c.seq))
        .group_by(credit_note.c.year).order_by(credit_note.c.year)
    ).all()
    return [Breach(f"credit notes {y}", f"{n} notes numbered {lo}..{hi} ({distinct} distinct)")
            for y, n, distinct, lo, hi in years if not (lo == 1 and hi == distinct == n)]


def _posted(conn: Connection, table: Any, source_type: str, amount: Any, account: str,
            label: str) -> list[Breach]:
    """Each row has journal entries (source_type, its id) whose side on `account` equals
    `amount` (credit for a credit note's receivable, credit for a refund's cash)."""
    posted = (select(journal_entry.c.source_id, func.sum(journal_line.c.credit).label("amt"))
              .select_from(journal_line.join(journal_entry))
              .where(journal_entry.c.source_type == source_type,
                     journal_line.c.account_code == account)
              .group_by(journal_entry.c.source_id).subquery())
    got = func.coalesce(posted.c.amt, 0)
    rows = conn.execute(
        select(table.c.id, amount, got)
        .select_from(table.outerjoin(posted, posted.c.source_id == table.c.id))
        .where(amount != got).order_by(table.c.id)).all()
    return [Breach(f"{label} {rid}", f"amount {a} but posted {g} on {account}")
            for rid, a, g in rows]


def credit_notes_and_refunds_posted(conn: Connection) -> list[Breach]:
    return (_posted(conn, credit_note, "credit_note", credit_note.c.total, "1100",
                    "credit note")
            + _posted(conn, refund, "refund", refund.c.amount, "1000", "refund"))


def refunded_within_paid(conn: Connection) -> list[Breach]:
    """amount_refunded = sum of the order's refunds, and never more than was paid."""
    sums = (select(refund.c.order_id, func.sum(refund.c.amount).label("total"))
            .group_by(refund.c.order_id).subquery())
    total = func.coalesce(sums.c.total, 0)
    o = sales_order.c
    rows = conn.execute(
        select(o.number, o.amount_paid, o.amount_refunded, total)
        .select_from(sales_order.outerjoin(sums, sums.c.order_id == o.id))
        .where(or_(o.amount_refunded != total, o.amount_refunded > o.amount_paid))
        .order_by(o.number)).all()
    return [Breach(f"order {n}", f"paid {p}, amount_refunded {r}, refunds sum to {t}")
            for n, p, r, t in rows]


def returned_within_delivered(conn: Connection) -> list[Breach]:
    """Units on returns that are not rejected never exceed the units delivered, per line."""
    delivered = (select(shipment_line.c.order_line_id, func.sum(shipment_line.c.quantity)
                        .label("n"))
                 .select_from(shipment_line.join(shipment))
                 .where(shipment.c.status == "delivered")
                 .group_by(shipment_line.c.order_line_id).subquery())
    returned = (select(rma_line.c.order_line_id, func.sum(rma_line.c.quantity).label("n"))
                .select_from(rma_line.join(rma)).where(rma.c.status != "rejected")
                .group_by(rma_line.c.order_line_id).subquery())
    got = func.coalesce(delivered.c.n, 0)
    rows = conn.execute(
        select(returned.c.order_line_id, returned.c.n, got)
        .select_from(returned.outerjoin(delivered,
                                        delivered.c.order_line_id == returned.c.order_line_id))
        .where(returned.c.n > got).order_by(returned.c.order_line_id)).all()
    return [Breach(f"order line {lid}", f"{n} unit(s) on returns, {d} delivered")
            for lid, n, d in rows]


def restocked_units_moved(conn: Connection) -> list[Breach]:
    """Each received return's restocked units appear as `return` stock movements."""
    moved = (select(stock_movement.c.reference_id, func.sum(stock_movement.c.quantity)
                    .label("n"))
             .where(stock_movement.c.kind == "return", stock_movement.c.reference_type == "rma")
             .group_by(stock_movement.c.reference_id).subquery())
    restocked = (select(rma_line.c.rma_id, func.sum(rma_line.c.quantity).label("n"))
                 .where(rma_line.c.disposition == "restock")
                 .group_by(rma_line.c.rma_id).subquery())
    want = func.coalesce(restocked.c.n, 0)
    got = func.coalesce(moved.c.n, 0)
    rows = conn.execute(
        select(rma.c.number, want, got)
        .select_from(rma.outerjoin(restocked, restocked.c.rma_id == rma.c.id)
                     .outerjoin(moved, moved.c.reference_id == rma.c.id))
        .where(want != got).order_by(rma.c.number)).all()
    return [Breach(f"return {n}", f"{w} unit(s) restocked but {g} moved back") for n, w, g in rows]


