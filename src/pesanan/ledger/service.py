"""Post journal entries. Every entry is checked to balance before it is written."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import Connection, bindparam, text

from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.db.types import Amount
from pesanan.ledger.models import journal_entry, journal_line
from pesanan.ledger.postings import Line, check_balanced


def post(
    conn: Connection,
    *,
    currency: str,
    memo: str,
    source_type: str,
    source_id: str,
    lines: list[Line],
    order_id: str | None = None,
) -> str | None:
    """Write one balanced entry; returns its id (None when every line is zero, e.g. a free item)."""
    if not lines:
        return None
    check_balanced(lines)
    entry_id = new_id()
    conn.execute(
        journal_entry.insert(),
        {"id": entry_id, "currency": currency, "memo": memo[:200], "source_type": source_type,
         "source_id": source_id, "order_id": order_id, "occurred_at": now()},
    )
    conn.execute(
        journal_line.insert(),
        [{"id": new_id(), "entry_id": entry_id, "account_code": x.account, "debit": x.debit,
          "credit": x.credit} for x in lines],
    )
    _add_to_balances(conn, currency, lines)
    return entry_id


STRIPES = 8
_bump_balance = text(
    "INSERT INTO account_balance (currency, account_code, stripe, debit, credit) "
    "VALUES (:cur, :acc, :stripe, :debit, :credit) "
    "ON CONFLICT (currency, account_code, stripe) DO UPDATE SET "
    "debit = account_balance.debit + excluded.debit, "
    "credit = account_balance.credit + excluded.credit"
).bindparams(bindparam("debit", type_=Amount), bindparam("credit", type_=Amount))


def _add_to_balances(conn: Connection, currency: str, lines: list[Line]) -> None:
    per_account: dict[str, tuple[Decimal, Decimal]] = {}
    for x in lines:
        d, c = per_account.get(x.account, (Decimal(0), Decimal(0)))
        per_account[x.account] = (d + x.debit, c + x.credit)
    stripe = random.randrange(STRIPES)
    # Accounts in code order: two entries on the same stripe lock rows in the same order.
    conn.execute(_bump_balance, [
        {"cur": currency, "acc": acc, "stripe": stripe, "debit": d, "credit": c}
        for acc, (d, c) in sorted(per_account.items())
    ])
