"""Ledger reads: the trial balance and the journal.

Amounts are summed in SQL over the exact scaled-integer columns, so totals are exact; a currency
is never summed with another (each has its own trial balance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from pesanan.core.clock import rfc3339
from pesanan.core.money import quantize_minor
from pesanan.db.paging import page
from pesanan.ledger.models import account, account_balance, journal_entry, journal_line


def amount(value: Decimal, currency: str) -> str:
    """The currency's minor digits, unless the ledger holds finer amounts (derived costs may
    carry up to 4 decimals): an accountant must see exactly what was posted, never a rounding."""
    shown = quantize_minor(value, currency)
    return str(shown) if shown == value else format(value.normalize(), "f")


def trial_balance(conn: Connection) -> dict[str, Any]:
    """Per currency and account: debits, credits, balance (debit - credit); balanced when the
    currency's debits equal its credits."""
    # Read from the running totals kept with every posting (audit proves them equal to the
    # journal), so this stays a few dozen rows however long the journal grows.
    b = account_balance.c
    rows = conn.execute(
        select(b.currency, b.account_code, account.c.name, account.c.type,
               func.sum(b.debit).label("debit"), func.sum(b.credit).label("credit"))
        .select_from(account_balance.join(account))
        .group_by(b.currency, b.account_code, account.c.name, account.c.type)
        .order_by(b.currency, b.account_code)
    ).mappings().all()
    by_currency: dict[str, list[Mapping[Any, Any]]] = {}
    for r in rows:
        by_currency.setdefault(r["currency"], []).append(r)
    currencies = [_currency_balance(cur, accounts) for cur, accounts in by_currency.items()]
    return {"currencies": currencies, "balanced": all(c["balanced"] for c in currencies)}


def _currency_balance(cur: str, rows: Sequence[Mapping[Any, Any]]) -> dict[str, Any]:
    debit = sum((r["debit"] for r in rows), Decimal(0))
    credit = sum((r["credit"] for r in rows), Decimal(0))
    return {
        "currency": cur,
        "accounts": [
            {"code": r["account_code"], "name": r["name"], "type": r["type"],
             "debit": amount(r["debit"], cur), "credit": amount(r["credit"], cur),
             "balance": amount(r["debit"] - r["credit"], cur)}
            for r in rows
        ],
        "total_debit": amount(debit, cur), "total_credit": amount(credit, cur),
        "balanced": debit == credit,
    }


def list_entries(
    conn: Connection, *, limit: int = 50, cursor: str | None = None,
    source_type: str | None = None, order_id: str | None = None, currency: str | None = None,
) -> dict[str, Any]:
    """Journal entries, newest first, each with its lines (one query for all lines of a page)."""
    stmt = select(journal_entry)
    for col, value in ((journal_entry.c.source_type, source_type),
                       (journal_entry.c.order_id, order_id),
                       (journal_entry.c.currency, currency)):
        if value is not None:
            stmt = stmt.where(col == value)
    rows, nxt = page(conn, stmt, journal_entry.c.id, limit, cursor)
    lines: dict[str, list[Mapping[Any, Any]]] = {r["id"]: [] for r in rows}
    if rows:
        for line in conn.execute(
            select(journal_line, account.c.name).join(account)
            .where(journal_line.c.entry_id.in_(list(lines))).order_by(journal_line.c.id)
        ).mappings():
            lines[line["entry_id"]].append(line)
    return {"items": [_entry_view(r, lines[r["id"]]) for r in rows], "next_cursor": nxt}


def _entry_view(e: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]]) -> dict[str, Any]:
    cur = e["currency"]
    return {
        "id": e["id"], "currency": cur, "memo": e["memo"], "source_type": e["source_type"],
        "source_id": e["source_id"], "order_id": e["order_id"],
        "occurred_at": rfc3339(e["occurred_at"]),
        "total": amount(sum((x["debit"] for x in lines), Decimal(0)), cur),
        "lines": [
            {"account_code": x["account_code"], "account_name": x["name"],
             "debit": amount(x["debit"], cur), "credit": amount(x["credit"], cur)}
            for x in lines
        ],
    }
