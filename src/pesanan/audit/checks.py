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

from pesanan.billing.models import invoice
from pesanan.catalog.models import product
from pesanan.inventory.models import location, reservation, stock_level, stock_movement
from pesanan.ledger.models import account_balance, journal_entry, journal_line
from pesanan.orders.models import order_line, sales_order


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


CHECKS: tuple[Check, ...] = (
    Check("on_hand", "on hand = sum of stock movements", on_hand_matches_movements),
    Check("reserved", "reserved = sum of open reservations", reserved_matches_open_reservations),
    Check("available", "available >= 0", available_not_negative),
    Check("journal", "every journal entry balances", journal_entries_balanced),
    Check("balances", "account balances = journal sums", balances_match_journal),
    Check("invoice_numbers", "invoice numbers gapless per year", invoice_numbers_gapless),
    Check("order_totals", "order totals = sum of lines", order_totals_match_lines),
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
