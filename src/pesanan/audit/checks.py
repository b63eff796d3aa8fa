"""The invariants `pesanan audit` checks, one function each, as plain SQL reads.

The audit is deliberately the one place that reads every domain's tables directly: it must not
trust the services it audits, so it recomputes each derived number from the rows it derives from
(stock levels from movements, reservations, journal lines, invoice numbers, order lines).
Each check returns its breaches; an empty list means the invariant holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, func, or_, select

from pesanan.audit.base import Breach, Check, Result, level_name, sum_vs_level, with_names
from pesanan.audit.fulfilment_checks import (
    fulfilment_shipped_matches_shipments,
    fulfilment_units_match_reservations,
    held_orders_not_released,
    holds_match_status,
    overpaid_only_after_edit,
    revisions_contiguous,
)
from pesanan.audit.returns_checks import (
    credit_note_numbers_gapless,
    credit_notes_and_refunds_posted,
    refunded_within_paid,
    restocked_units_moved,
    returned_within_delivered,
)
from pesanan.audit.stock_checks import (
    backorder_lines_add_up,
    backorders_within_limits,
    quarantine_matches_journal,
    transfers_match_movements,
)
from pesanan.billing.models import invoice
from pesanan.inventory.models import (
    reservation,
    stock_level,
    stock_movement,
)
from pesanan.ledger.models import account_balance, journal_entry, journal_line
from pesanan.orders.models import order_line, sales_order

__all__ = ["CHECKS", "Breach", "Check", "Result", "run_all", "snapshot"]


def on_hand_matches_movements(conn: Connection) -> list[Breach]:
    sums = (select(stock_movement.c.product_id, stock_movement.c.location_id,
                   func.sum(stock_movement.c.quantity).label("total"))
            .group_by(stock_movement.c.product_id, stock_movement.c.location_id))
    return sum_vs_level(conn, "on_hand", sums, "movements")


def reserved_matches_open_reservations(conn: Connection) -> list[Breach]:
    sums = (select(reservation.c.product_id, reservation.c.location_id,
                   func.sum(reservation.c.quantity).label("total"))
            .where(reservation.c.status == "open")
            .group_by(reservation.c.product_id, reservation.c.location_id))
    return sum_vs_level(conn, "reserved", sums, "open reservations")


def available_not_negative(conn: Connection) -> list[Breach]:
    rows = conn.execute(with_names(
        select(stock_level.c.on_hand, stock_level.c.reserved)
        .where(or_(stock_level.c.on_hand < 0, stock_level.c.reserved < 0,
                   stock_level.c.on_hand - stock_level.c.reserved < 0))
        .order_by(stock_level.c.product_id, stock_level.c.location_id),
        stock_level.c.product_id, stock_level.c.location_id)).all()
    return [Breach(level_name(sku, code), f"on hand {oh}, reserved {rs}, available {oh - rs}")
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
