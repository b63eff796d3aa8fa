"""Invoice and payment reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, case, func, or_, select

from pesanan.billing.models import credit_note, credit_note_line, invoice, payment, refund
from pesanan.billing.schemas import METHOD_FOR_PREFERENCE
from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.core.money import fmt
from pesanan.customers import queries as customers
from pesanan.db.paging import Sort, page
from pesanan.db.types import Amount

OPEN = ("issued", "partially_paid")


def invoice_number(year: int, seq: int, prefix: str = "INV") -> str:
    return f"{prefix}-{year}-{seq:06d}"


def invoice_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    cur = r["currency"]
    return {
        "id": r["id"], "number": r["number"], "order_id": r["order_id"],
        "customer_id": r["customer_id"], "currency": cur, "status": r["status"],
        "subtotal": fmt(r["subtotal"], cur), "tax_total": fmt(r["tax_total"], cur),
        "total": fmt(r["total"], cur), "amount_paid": fmt(r["amount_paid"], cur),
        "amount_due": fmt(r["total"] - r["amount_paid"], cur),
        "issued_at": rfc3339(r["issued_at"]), "due_at": rfc3339(r["due_at"]),
    }


def payment_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": r["id"], "order_id": r["order_id"], "invoice_id": r["invoice_id"],
        "amount": fmt(r["amount"], r["currency"]), "currency": r["currency"],
        "method": r["method"], "reference": r["reference"],
        "received_at": rfc3339(r["received_at"]),
    }


def get_invoice(conn: Connection, invoice_id: str) -> dict[str, Any]:
    r = conn.execute(select(invoice).where(invoice.c.id == invoice_id)).mappings().first()
    if r is None:
        raise NotFound(f"invoice {invoice_id} not found")
    view = invoice_view(r)
    view["payments"] = [payment_view(p) for p in conn.execute(
        select(payment).where(payment.c.invoice_id == invoice_id).order_by(payment.c.id)
    ).mappings()]
    view["credit_notes"] = list_credit_notes(conn, invoice_id=invoice_id, limit=250)["items"]
    return view


def list_invoices(
    conn: Connection, *, limit: int = 50, cursor: str | None = None, status: str | None = None,
    customer_id: str | None = None, order_id: str | None = None,
    overdue_at: datetime | None = None, search: str | None = None,
    customer_ids: Select[tuple[str]] | None = None, sort: Sort | None = None,
) -> dict[str, Any]:
    """`overdue_at`: only invoices still owed whose due date is before that moment (the rule of
    `is_overdue`). `search` matches the invoice number or, through `customer_ids` (the
    customers the caller matched with the same text, as a subquery), the customer."""
    stmt = select(invoice)
    for col, value in ((invoice.c.status, status), (invoice.c.customer_id, customer_id),
                       (invoice.c.order_id, order_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    if overdue_at is not None:
        stmt = stmt.where(invoice.c.status.in_(OPEN), invoice.c.due_at < overdue_at)
    if search:
        matches = [invoice.c.number.contains(search.strip().upper(), autoescape=True)]
        if customer_ids is not None:
            matches.append(invoice.c.customer_id.in_(customer_ids))
        stmt = stmt.where(or_(*matches))
    rows, nxt = page(conn, stmt, invoice.c.id, limit, cursor, sort)
    return {"items": [invoice_view(r) for r in rows], "next_cursor": nxt}


def is_overdue(view: Mapping[str, Any], as_of: datetime) -> bool:
    """An invoice view still owed after its due date (the same rule as `overdue_at`)."""
    return bool(view["status"] in OPEN and datetime.fromisoformat(view["due_at"]) < as_of)


def receivables(conn: Connection, as_of: datetime) -> list[dict[str, Any]]:
    """Per currency: open invoices and what they still owe, and the overdue part of that (the
    rule of `is_overdue`). Summed in SQL over the exact scaled-integer columns."""
    owed = invoice.c.total - invoice.c.amount_paid
    late = invoice.c.due_at < as_of
    rows = conn.execute(
        select(invoice.c.currency, func.count().label("n"),
               func.sum(owed, type_=Amount).label("owed"),
               func.sum(case((late, 1), else_=0)).label("n_late"),
               func.sum(case((late, owed), else_=0), type_=Amount).label("late"))
        .where(invoice.c.status.in_(OPEN)).group_by(invoice.c.currency)
        .order_by(invoice.c.currency)
    ).mappings()
    return [{"currency": r["currency"], "open_count": r["n"], "owed": fmt(r["owed"], r["currency"]),
             "overdue_count": int(r["n_late"]), "overdue": fmt(r["late"], r["currency"])}
            for r in rows]


def list_payments(
    conn: Connection, *, limit: int = 50, cursor: str | None = None, method: str | None = None,
    order_id: str | None = None, customer_ids: Select[tuple[str]] | None = None,
    sort: Sort | None = None,
) -> dict[str, Any]:
    """Payments, newest first, each with the number and customer of the invoice it paid into."""
    stmt = (select(payment, invoice.c.number.label("invoice_number"), invoice.c.customer_id)
            .select_from(payment.outerjoin(invoice, invoice.c.id == payment.c.invoice_id)))
    for col, value in ((payment.c.method, method), (payment.c.order_id, order_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    if customer_ids is not None:
        # Through the customer index, not a row-by-row check of the joined invoice.
        stmt = stmt.where(payment.c.invoice_id.in_(
            select(invoice.c.id).where(invoice.c.customer_id.in_(customer_ids))))
    rows, nxt = page(conn, stmt, payment.c.id, limit, cursor, sort)
    return {"items": [{**payment_view(r), "invoice_number": r["invoice_number"],
                       "customer_id": r["customer_id"]} for r in rows], "next_cursor": nxt}


def payment_method_for(conn: Connection, customer_id: str) -> str:
    """The method a payment takes when none is named: the customer's payment preference."""
    return METHOD_FOR_PREFERENCE.get(customers.payment_preference(conn, customer_id), "card")


def refund_method_for(conn: Connection, order: Mapping[str, Any]) -> str:
    """The method a refund takes when none is named: back the way the order was paid (its
    latest payment), else the customer's preference."""
    latest = conn.execute(select(payment.c.method).where(payment.c.order_id == order["id"])
                          .order_by(payment.c.id.desc()).limit(1)).scalar()
    return str(latest) if latest else payment_method_for(conn, order["customer_id"])


def invoiced_so_far(conn: Connection, order_id: str) -> tuple[Decimal, Decimal]:
    """(subtotal, tax) already invoiced on an order, so the next invoice takes the rest."""
    sub, tax = conn.execute(
        select(func.coalesce(func.sum(invoice.c.subtotal), 0),
               func.coalesce(func.sum(invoice.c.tax_total), 0))
        .where(invoice.c.order_id == order_id)
    ).one()
    return Decimal(sub), Decimal(tax)


def open_invoices(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    """An order's invoices with money still owed, oldest first (ids are time-ordered)."""
    return [dict(r) for r in conn.execute(
        select(invoice).where(invoice.c.order_id == order_id, invoice.c.status.in_(OPEN))
        .order_by(invoice.c.id)
    ).mappings()]


# --- credit notes and refunds (returns) ---------------------------------------------------------

def credit_note_number(year: int, seq: int, prefix: str = "CN") -> str:
    return f"{prefix}-{year}-{seq:06d}"


def credit_note_view(r: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]] | None = None,
                     refunded: Decimal | None = None) -> dict[str, Any]:
    cur = r["currency"]
    view: dict[str, Any] = {
        "id": r["id"], "number": r["number"], "order_id": r["order_id"],
        "invoice_id": r["invoice_id"], "rma_id": r["rma_id"], "customer_id": r["customer_id"],
        "currency": cur, "subtotal": fmt(r["subtotal"], cur), "tax_total": fmt(r["tax_total"], cur),
        "total": fmt(r["total"], cur), "amount_applied": fmt(r["amount_applied"], cur),
        "reason": r["reason"], "issued_at": rfc3339(r["issued_at"]),
    }
    if refunded is not None:
        view["amount_refunded"] = fmt(refunded, cur)
        view["amount_open"] = fmt(r["total"] - r["amount_applied"] - refunded, cur)
    if lines is not None:
        view["lines"] = [{
            "order_line_id": x["order_line_id"], "sku": x["sku"], "name": x["name"],
            "quantity": x["quantity"], "unit_price": fmt(x["unit_price"], cur),
            "tax_rate": str(x["tax_rate"].normalize() + 0), "subtotal": fmt(x["subtotal"], cur),
            "tax": fmt(x["tax"], cur), "total": fmt(x["total"], cur)} for x in lines]
    return view


def refund_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": r["id"], "order_id": r["order_id"], "credit_note_id": r["credit_note_id"],
        "rma_id": r["rma_id"], "amount": fmt(r["amount"], r["currency"]),
        "currency": r["currency"], "method": r["method"], "reference": r["reference"],
        "refunded_at": rfc3339(r["refunded_at"]),
    }


def refunded_on_credit_notes(conn: Connection, ids: list[str]) -> dict[str, Decimal]:
    if not ids:
        return {}
    rows = conn.execute(select(refund.c.credit_note_id, func.sum(refund.c.amount, type_=Amount))
                        .where(refund.c.credit_note_id.in_(ids))
                        .group_by(refund.c.credit_note_id)).all()
    got = {cid: Decimal(v) for cid, v in rows}
    return {i: got.get(i, Decimal(0)) for i in ids}


def get_credit_note(conn: Connection, credit_note_id: str) -> dict[str, Any]:
    r = conn.execute(select(credit_note).where(credit_note.c.id == credit_note_id)
                     ).mappings().first()
    if r is None:
        raise NotFound(f"credit note {credit_note_id} not found")
    lines = conn.execute(select(credit_note_line)
                         .where(credit_note_line.c.credit_note_id == credit_note_id)
                         .order_by(credit_note_line.c.id)).mappings().all()
    return credit_note_view(r, lines, refunded_on_credit_notes(conn, [r["id"]])[r["id"]])


def list_credit_notes(conn: Connection, *, limit: int = 50, cursor: str | None = None,
                      order_id: str | None = None, customer_id: str | None = None,
                      invoice_id: str | None = None) -> dict[str, Any]:
    stmt = select(credit_note)
    for col, value in ((credit_note.c.order_id, order_id),
                       (credit_note.c.customer_id, customer_id),
                       (credit_note.c.invoice_id, invoice_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    rows, nxt = page(conn, stmt, credit_note.c.id, limit, cursor)
    refunded = refunded_on_credit_notes(conn, [r["id"] for r in rows])
    return {"items": [credit_note_view(r, None, refunded[r["id"]]) for r in rows],
            "next_cursor": nxt}


def list_refunds(conn: Connection, *, limit: int = 50, cursor: str | None = None,
                 order_id: str | None = None, method: str | None = None,
                 rma_id: str | None = None) -> dict[str, Any]:
    stmt = select(refund)
    for col, value in ((refund.c.order_id, order_id), (refund.c.method, method),
                       (refund.c.rma_id, rma_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    rows, nxt = page(conn, stmt, refund.c.id, limit, cursor)
    return {"items": [refund_view(r) for r in rows], "next_cursor": nxt}


def credited_per_line(conn: Connection, order_id: str
                      ) -> dict[str, tuple[int, Decimal, Decimal]]:
    """(units, subtotal, tax) already credited per order line of an order."""
    rows = conn.execute(
        select(credit_note_line.c.order_line_id, func.sum(credit_note_line.c.quantity),
               func.sum(credit_note_line.c.subtotal, type_=Amount),
               func.sum(credit_note_line.c.tax, type_=Amount))
        .select_from(credit_note_line.join(credit_note))
        .where(credit_note.c.order_id == order_id)
        .group_by(credit_note_line.c.order_line_id)).all()
    return {lid: (int(q), Decimal(s), Decimal(t)) for lid, q, s, t in rows}


def credited_total(conn: Connection, order_id: str) -> Decimal:
    return Decimal(conn.execute(
        select(func.coalesce(func.sum(credit_note.c.total, type_=Amount), 0))
        .where(credit_note.c.order_id == order_id)).scalar_one())
