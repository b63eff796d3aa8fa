"""Invoice and payment reads."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from pesanan.billing.models import invoice, payment
from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.core.money import fmt
from pesanan.db.paging import page

OPEN = ("issued", "partially_paid")


def invoice_number(year: int, seq: int) -> str:
    return f"INV-{year}-{seq:06d}"


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
    return view


def list_invoices(
    conn: Connection, *, limit: int = 50, cursor: str | None = None, status: str | None = None,
    customer_id: str | None = None, order_id: str | None = None,
) -> dict[str, Any]:
    stmt = select(invoice)
    for col, value in ((invoice.c.status, status), (invoice.c.customer_id, customer_id),
                       (invoice.c.order_id, order_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    rows, nxt = page(conn, stmt, invoice.c.id, limit, cursor)
    return {"items": [invoice_view(r) for r in rows], "next_cursor": nxt}


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
