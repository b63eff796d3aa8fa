"""Overdue-invoice reminders (the scheduled job `billing.overdue_reminders`): an
`invoice.overdue` event per invoice still owed `grace` after its due date, at most once per
`every` per invoice.

What was reminded is remembered in `invoice_reminder`, written in the same transaction as the
event, so a re-run (or a run retried after a crash) finds the reminder and does not repeat it.
Each reminder is a compare-and-set on the row it read (insert-if-absent, or update where the
last reminder is still the one seen), so two runs at once cannot both remind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, text, update

from pesanan.billing.models import invoice, invoice_reminder
from pesanan.billing.queries import OPEN
from pesanan.core.clock import rfc3339
from pesanan.core.money import fmt
from pesanan.db.types import UTCDateTime
from pesanan.events.service import emit

_r = invoice_reminder.c
# One statement on both databases: a concurrent first reminder inserts nothing here.
_first = text(
    "INSERT INTO invoice_reminder (invoice_id, reminders, last_reminded_at) "
    "VALUES (:i, 1, :t) ON CONFLICT DO NOTHING"
).bindparams(bindparam("t", type_=UTCDateTime))


def due_reminders(conn: Connection, at: datetime, every: timedelta, grace: timedelta,
                  limit: int) -> list[dict[str, Any]]:
    """Open invoices overdue by more than `grace` at `at` whose last reminder (if any) is at
    least `every` old, oldest due first."""
    rows = conn.execute(
        select(invoice, _r.reminders, _r.last_reminded_at)
        .select_from(invoice.outerjoin(invoice_reminder, _r.invoice_id == invoice.c.id))
        .where(invoice.c.status.in_(OPEN), invoice.c.due_at < at - grace,
               or_(_r.invoice_id.is_(None), _r.last_reminded_at <= at - every))
        .order_by(invoice.c.due_at, invoice.c.id)
        .limit(limit)
    ).mappings().all()
    return [dict(r) for r in rows]


def _mark(conn: Connection, inv: dict[str, Any], at: datetime) -> bool:
    """Remember this reminder; False when another run reminded it first."""
    if inv["last_reminded_at"] is None:
        done = conn.execute(_first, {"i": inv["id"], "t": at})
    else:
        done = conn.execute(
            update(invoice_reminder)
            .where(and_(_r.invoice_id == inv["id"],
                        _r.last_reminded_at == inv["last_reminded_at"]))
            .values(reminders=_r.reminders + 1, last_reminded_at=at))
    return done.rowcount == 1


def remind_overdue(conn: Connection, at: datetime, every: timedelta, grace: timedelta,
                   limit: int = 500) -> dict[str, Any]:
    """One batch: remind each due invoice once. Returns {"reminded": n, "more": bool} (more:
    the batch was full, so the next run may find others)."""
    found = due_reminders(conn, at, every, grace, limit)
    reminded = 0
    for inv in found:
        if not _mark(conn, inv, at):
            continue
        cur = inv["currency"]
        emit(conn, "invoice.overdue", "invoice", inv["id"], {
            "id": inv["id"], "number": inv["number"], "order_id": inv["order_id"],
            "customer_id": inv["customer_id"], "currency": cur,
            "amount_due": fmt(inv["total"] - inv["amount_paid"], cur),
            "due_at": rfc3339(inv["due_at"]),
            "days_overdue": (at - inv["due_at"]).days,
            "reminder": (inv["reminders"] or 0) + 1,
        })
        reminded += 1
    return {"reminded": reminded, "more": len(found) == limit}
