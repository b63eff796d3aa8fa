"""Billing's row locks, as one named concept.

Every billing command first locks the order row (orders.locks.order_row), so the invoices,
payments and refunds of one order are only ever changed one command at a time. The credit note
row is locked after the order (and after the RMA, for a return's refund or exchange): what is
still open on it is read under that lock, so two refunds of one note cannot both take it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pesanan.billing.models import credit_note


def credit_note_row(conn: Connection, credit_note_id: str) -> dict[str, Any]:
    """The credit note, locked until commit (the caller holds its order's lock already)."""
    r = conn.execute(select(credit_note).where(credit_note.c.id == credit_note_id)
                     .with_for_update()).mappings().one()
    return dict(r)
