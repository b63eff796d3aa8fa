"""The customer statement: every invoice, payment, credit note and refund of a customer in a
period, with the balance before it, a running balance and the balance after it, per currency.

Read side: it reads billing's tables in one statement per kind (documents sit on the read
side's floor, like analytics). The balance moves exactly as the receivable account does for
the customer's orders (ledger.postings): an invoice and a refund raise it, a payment and a
credit note lower it. A payment made *from* a credit note (an exchange, method `credit_note`)
posts nothing: the credit note already lowered the balance, so it is left out here too."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, literal, select, union_all

from pesanan.billing.models import credit_note, invoice, payment, refund
from pesanan.core.clock import now
from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.customers import queries as customers

NOT_POSTED = "credit_note"  # payment method of a credit note spent on another order


def _movements(customer_id: str) -> Select[Any]:
    """(at, kind, number, reference, currency, signed amount) of each of the customer's
    billing documents; positive raises what the customer owes."""
    orders_billed = select(invoice.c.order_id).where(invoice.c.customer_id == customer_id)
    paid_into = invoice.alias("paid_into")
    parts = [
        select(invoice.c.issued_at.label("at"), literal("invoice").label("kind"),
               invoice.c.number.label("number"), invoice.c.order_id.label("ref"),
               invoice.c.currency, invoice.c.total.label("amount"), invoice.c.id)
        .where(invoice.c.customer_id == customer_id),
        select(payment.c.received_at, literal("payment"), paid_into.c.number,
               payment.c.method, payment.c.currency, (-payment.c.amount).label("amount"),
               payment.c.id)
        .join(paid_into, paid_into.c.id == payment.c.invoice_id)
        .where(paid_into.c.customer_id == customer_id, payment.c.method != NOT_POSTED),
        select(credit_note.c.issued_at, literal("credit_note"), credit_note.c.number,
               credit_note.c.order_id, credit_note.c.currency,
               (-credit_note.c.total).label("amount"), credit_note.c.id)
        .where(credit_note.c.customer_id == customer_id),
        # A refund pays back money received against the customer's invoices, so its order is
        # one the customer was invoiced on.
        select(refund.c.refunded_at, literal("refund"), refund.c.method, refund.c.order_id,
               refund.c.currency, refund.c.amount, refund.c.id)
        .where(refund.c.order_id.in_(orders_billed)),
    ]
    return union_all(*parts).subquery("movement").select()


def period(start: date | None, end: date | None, zone: str) -> tuple[date, date]:
    """The days asked for; by default from the first of this month to today (shop's zone)."""
    today = now().astimezone(ZoneInfo(zone)).date()
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        raise ValidationFailed("The period is empty", [
            FieldError("from", "invalid_period", f"from {start} is after to {end}")])
    return start, end


def _utc_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def statement(conn: Connection, customer_id: str, start: date | None, end: date | None,
              zone: str) -> dict[str, Any]:
    customer = customers.customer_fields(conn, customer_id)  # NotFound for an unknown id
    first, last = period(start, end, zone)
    since, until = _utc_start(first, zone), _utc_start(last + timedelta(days=1), zone)
    rows = conn.execute(_movements(customer_id)).mappings().all()
    sections: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: (r["at"], r["id"])):
        if r["at"] >= until:
            continue
        s = sections.setdefault(r["currency"], {"currency": r["currency"], "opening": Decimal(0),
                                                "rows": []})
        amount: Decimal = r["amount"]  # the union's column is invoice.total's Amount type
        if r["at"] < since:
            s["opening"] += amount
        else:
            s["rows"].append({**r, "amount": amount})
    for s in sections.values():
        balance = s["opening"]
        for row in s["rows"]:
            balance += row["amount"]
            row["balance"] = balance
        s["closing"] = balance
    return {
        "customer": customer, "addresses": customers.addresses(conn, customer_id),
        "start": first, "end": last, "sections": sorted(sections.values(),
                                                        key=lambda s: s["currency"]),
        "number": f"ST-{first:%Y%m%d}-{last:%Y%m%d}", "cur": None,
    }
