"""Post journal entries. Every entry is checked to balance before it is written."""

from __future__ import annotations

from sqlalchemy import Connection

from pesanan.core.clock import now
from pesanan.core.ids import new_id
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
    return entry_id
