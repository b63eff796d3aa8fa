"""The invariants `pesanan audit` checks, one function each, as plain SQL reads.

The audit is deliberately the one place that reads every domain's tables directly: it must not
trust the services it audits, so it recomputes each derived number from the rows it derives from
(stock levels from movements, reservations, journal lines, invoice numbers, order lines).
Each check returns its breaches; an empty list means the invariant holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, func, literal, or_, select

from pesanan.billing.models import credit_note, invoice, refund
from pesanan.catalog.models import product
from pesanan.fulfillment.models import (
    fulfilment_order,
    fulfilment_order_line,
    shipment,
    shipment_line,
)
from pesanan.inventory.models import (
    backorder,
    location,
    quarantine_level,
    quarantine_movement,
    reservation,
    stock_level,
    stock_movement,
    stock_transfer,
    stock_transfer_line,
)
from pesanan.ledger.models import account_balance, journal_entry, journal_line
from pesanan.orders.models import order_hold, order_line, order_revision, sales_order
from pesanan.returns.models import rma, rma_line


@dataclass(frozen=True, slots=True)
class Breach:
    subject: str  # what is wrong: a stock level, an entry, an invoice year, an order
    detail: str


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    description: str
    run: Callable[[Connection], list[Breach]]


@dataclass(frozen=True, slots=True)
class Result:
    check: Check
    breaches: list[Breach]

    @property
    def ok(self) -> bool:
        return not self.breaches


def _level(sku: str, code: str) -> str:
    return f"stock {sku} @ {code}"


def _named(stmt: Select[Any], product_id: Any, location_id: Any) -> Select[Any]:
    """Join SKU and location code onto a statement, so a breach names what people know."""
    return (stmt.add_columns(product.c.sku, location.c.code)
            .join(product, product.c.id == product_id)
            .join(location, location.c.id == location_id))


def _sum_vs_level(conn: Connection, column: str, sums: Select[Any], label: str) -> list[Breach]:
    """Compare stock_level.<column> with per-(product, location) sums, both ways round: a level
    that disagrees with its sum, and a sum with no level row at all."""
    s = sums.subquery()
    key = and_(s.c.product_id == stock_level.c.product_id,
               s.c.location_id == stock_level.c.location_id)
    level_col = stock_level.c[column]
    total = func.coalesce(s.c.total, 0)
    mismatched = conn.execute(_named(
        select(level_col, total).select_from(stock_level.outerjoin(s, key))
        .where(level_col != total)
        .order_by(stock_level.c.product_id, stock_level.c.location_id),
        stock_level.c.product_id, stock_level.c.location_id)).all()
    orphans = conn.execute(_named(
        select(s.c.total).where(s.c.total != 0, ~select(literal(1)).where(key).exists())
        .order_by(s.c.product_id, s.c.location_id),
        s.c.product_id, s.c.location_id)).all()
    out = [Breach(_level(sku, code), f"{column} {have} but {label} sum to {want}")
           for have, want, sku, code in mismatched]
    out += [Breach(_level(sku, code), f"no stock level row but {label} sum to {want}")
            for want, sku, code in orphans]
    return out


def on_hand_matches_movements(conn: Connection) -> list[Breach]:
    sums = (select(stock_movement.c.product_id, stock_movement.c.location_id,
                   func.sum(stock_movement.c.quantity).label("total"))
            .group_by(stock_movement.c.product_id, stock_movement.c.location_id))
    return _sum_vs_level(conn, "on_hand", sums, "movements")


def reserved_matches_open_reservations(conn: Connection) -> list[Breach]:
    sums = (select(reservation.c.product_id, reservation.c.location_id,
                   func.sum(reservation.c.quantity).label("total"))
            .where(reservation.c.status == "open")
            .group_by(reservation.c.product_id, reservation.c.location_id))
    return _sum_vs_level(conn, "reserved", sums, "open reservations")


def available_not_negative(conn: Connection) -> list[Breach]:
    rows = conn.execute(_named(
        select(stock_level.c.on_hand, stock_level.c.reserved)
        .where(or_(stock_level.c.on_hand < 0, stock_level.c.reserved < 0,
                   stock_level.c.on_hand - stock_level.c.reserved < 0))
        .order_by(stock_level.c.product_id, stock_level.c.location_id),
        stock_level.c.product_id, stock_level.c.location_id)).all()
    return [Breach(_level(sku, code), f"on hand {oh}, reserved {rs}, available {oh - rs}")
            for oh, rs, sku, code in rows]


def journal_entries_balanced(conn: Connection) -> list[Breach]:
    """Debits equal credits in every entry, and no entry is left without lines."""
    debit = func.coalesce(func.sum(journal_line.c.debit), 0)
    credit = func.coalesce(func.sum(journal_line.c.credit), 0)
    rows = conn.execute(
        select(journal_entry.c.id, journal_entry.c.memo, func.count(journal_line.c.id),
               debit, credit)
        .select_from(journal_entry.outerjoin(journal_line,
                                             journal_line.c.entry_id == journal_entry.c.id))
        .group_by(journal_entry.c.id, journal_entry.c.memo)
        .having(or_(debit != credit, func.count(journal_line.c.id) == 0))
        .order_by(journal_entry.c.id)
    ).all()
    return [Breach(f"entry {eid} ({memo})",
                   "no lines" if n == 0 else f"debits {d} != credits {c}")
            for eid, memo, n, d, c in rows]


def balances_match_journal(conn: Connection) -> list[Breach]:
    """The running account balances the trial balance reads equal the journal's sums."""
    journal = {(cur, acc): (d, c) for cur, acc, d, c in conn.execute(
        select(journal_entry.c.currency, journal_line.c.account_code,
               func.sum(journal_line.c.debit), func.sum(journal_line.c.credit))
        .select_from(journal_line.join(journal_entry))
        .group_by(journal_entry.c.currency, journal_line.c.account_code))}
    kept = {(cur, acc): (d, c) for cur, acc, d, c in conn.execute(
        select(account_balance.c.currency, account_balance.c.account_code,
               func.sum(account_balance.c.debit), func.sum(account_balance.c.credit))
        .group_by(account_balance.c.currency, account_balance.c.account_code))}
    return [Breach(f"{cur} account {acc}",
                   f"journal debit/credit {journal.get((cur, acc))}, balance rows "
                   f"{kept.get((cur, acc))}")
            for cur, acc in sorted(set(journal) | set(kept))
            if journal.get((cur, acc)) != kept.get((cur, acc))]


def invoice_numbers_gapless(conn: Connection) -> list[Breach]:
    """Per year, the sequence numbers are exactly 1..count: no gap, no duplicate."""
    dupes = conn.execute(
        select(invoice.c.year, invoice.c.seq, func.count())
        .group_by(invoice.c.year, invoice.c.seq).having(func.count() > 1)
        .order_by(invoice.c.year, invoice.c.seq)
    ).all()
    out = [Breach(f"invoices {y}", f"number {s} used {n} times") for y, s, n in dupes]
    years = conn.execute(
        select(invoice.c.year, func.count(func.distinct(invoice.c.seq)), func.min(invoice.c.seq),
               func.max(invoice.c.seq))
        .group_by(invoice.c.year).order_by(invoice.c.year)
    ).all()
    for y, distinct, lo, hi in years:
        if lo != 1 or hi != distinct:
            out.append(Breach(f"invoices {y}", f"numbers run {lo}..{hi} but only {distinct} "
                              f"distinct exist: {hi - distinct + (lo - 1)} missing"))
    return out


def order_totals_match_lines(conn: Connection) -> list[Breach]:
    """An order's subtotal and tax are the sums of its lines, and total = subtotal + tax."""
    lines = (select(order_line.c.order_id,
                    func.sum(order_line.c.subtotal).label("subtotal"),
                    func.sum(order_line.c.tax).label("tax"))
             .group_by(order_line.c.order_id).subquery())
    sub = func.coalesce(lines.c.subtotal, 0)
    tax = func.coalesce(lines.c.tax, 0)
    o = sales_order.c
    rows = conn.execute(
        select(o.id, o.number, o.subtotal, o.tax_total, o.total, sub, tax)
        .select_from(sales_order.outerjoin(lines, lines.c.order_id == o.id))
        .where(or_(o.subtotal != sub, o.tax_total != tax, o.total != o.subtotal + o.tax_total))
        .order_by(o.number)
    ).all()
    return [Breach(f"order {number} ({oid})",
                   f"subtotal {s} (lines {ls}), tax {t} (lines {lt}), total {tot}")
            for oid, number, s, t, tot, ls, lt in rows]


def quarantine_matches_journal(conn: Connection) -> list[Breach]:
    """Quarantined units at each location = the sum of their quarantine journal, both ways."""
    q, m = quarantine_level.c, quarantine_movement.c
    sums = (select(m.product_id, m.location_id, func.sum(m.quantity).label("total"))
            .group_by(m.product_id, m.location_id).subquery())
    key = and_(sums.c.product_id == q.product_id, sums.c.location_id == q.location_id)
    total = func.coalesce(sums.c.total, 0)
    mismatched = conn.execute(_named(
        select(q.quantity, total).select_from(quarantine_level.outerjoin(sums, key))
        .where(or_(q.quantity != total, q.quantity < 0))
        .order_by(q.product_id, q.location_id), q.product_id, q.location_id)).all()
    orphans = conn.execute(_named(
        select(sums.c.total).where(sums.c.total != 0, ~select(literal(1)).where(key).exists())
        .order_by(sums.c.product_id, sums.c.location_id),
        sums.c.product_id, sums.c.location_id)).all()
    return ([Breach(_level(sku, code), f"quarantined {have} but its journal sums to {want}")
             for have, want, sku, code in mismatched]
            + [Breach(_level(sku, code), f"no quarantine row but its journal sums to {want}")
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


CHECKS: tuple[Check, ...] = (
    Check("on_hand", "on hand = sum of stock movements", on_hand_matches_movements),
    Check("reserved", "reserved = sum of open reservations", reserved_matches_open_reservations),
    Check("available", "available >= 0", available_not_negative),
    Check("journal", "every journal entry balances", journal_entries_balanced),
    Check("balances", "account balances = journal sums", balances_match_journal),
    Check("invoice_numbers", "invoice numbers gapless per year", invoice_numbers_gapless),
    Check("order_totals", "order totals = sum of lines", order_totals_match_lines),
    Check("quarantine", "quarantined = sum of quarantine journal", quarantine_matches_journal),
    Check("in_transit", "transfer shipped/received = their movements",
          transfers_match_movements),
    Check("backorder_lines", "backordered line: shipped + reserved + backordered = ordered",
          backorder_lines_add_up),
    Check("backorder_limits", "open backorders = product counter <= limit",
          backorders_within_limits),
    Check("credit_note_numbers", "credit note numbers gapless per year",
          credit_note_numbers_gapless),
    Check("returns_posted", "every credit note and refund is posted at its amount",
          credit_notes_and_refunds_posted),
    Check("refunds", "refunded = sum of refunds <= paid, per order", refunded_within_paid),
    Check("returned", "units returned <= units delivered, per order line",
          returned_within_delivered),
    Check("restocked", "restocked units = their return movements", restocked_units_moved),
    Check("fulfilment_units", "units on live fulfilment orders = reserved + shipped, per line",
          fulfilment_units_match_reservations),
    Check("fulfilment_shipped", "fulfilment order shipped units = their shipments",
          fulfilment_shipped_matches_shipments),
    Check("revisions", "order revisions numbered 1..n", revisions_contiguous),
    Check("holds", "on hold <=> an active hold reason", holds_match_status),
    Check("held_not_released", "a held order has no workable fulfilment order",
          held_orders_not_released),
    Check("overpaid", "net paid > total only after an edit", overpaid_only_after_edit),
)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction for all checks. On PostgreSQL it is REPEATABLE READ, so a
    command committing between two checks cannot make them disagree; SQLite's WAL read
    transaction is a snapshot already."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True)
        with conn.begin():
            yield conn


def run_all(conn: Connection) -> list[Result]:
    return [Result(check, check.run(conn)) for check in CHECKS]
