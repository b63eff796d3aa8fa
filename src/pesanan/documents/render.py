"""The documents as PDF bytes: what the API serves, the console links to and the mail attaches.

Each reads what it prints through the domains' queries inside the caller's connection (one
consistent read), then renders. An unknown id raises NotFound before anything is rendered.
The `*_pdf` functions give the bytes alone; `document(kind, ...)` also names the file after the
document's number ("INV-2026-000001.pdf")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from pesanan.documents import buying, engine, sales, statement
from pesanan.documents.seller import common


@dataclass(frozen=True)
class Pdf:
    filename: str
    content: bytes


_TITLES = {"invoice": "invoice", "credit_note": "credit_note", "delivery_note": "delivery_note",
           "pick_list": "pick_list", "purchase_order": "purchase_order"}
_READS: dict[str, Callable[[Connection, str], dict[str, Any]]] = {
    "invoice": sales.invoice, "credit_note": sales.credit_note,
    "delivery_note": sales.delivery_note, "pick_list": sales.pick_list,
    "purchase_order": buying.purchase_order,
}


def document(conn: Connection, kind: str, record_id: str) -> Pdf:
    """One of invoice, credit_note, delivery_note, pick_list, purchase_order, as a PDF."""
    ctx = _READS[kind](conn, record_id)
    shop = common(conn)
    title = shop["L"][_TITLES[kind]]  # type: ignore[index]
    suffix = "" if kind in ("invoice", "credit_note", "purchase_order") else f"-{kind}"
    content = engine.pdf(f"{kind}.html", **shop, **ctx, title=title)
    return Pdf(f"{ctx['number']}{suffix.replace('_', '-')}.pdf", content)


def invoice_pdf(conn: Connection, invoice_id: str) -> bytes:
    return document(conn, "invoice", invoice_id).content


def credit_note_pdf(conn: Connection, credit_note_id: str) -> bytes:
    return document(conn, "credit_note", credit_note_id).content


def delivery_note_pdf(conn: Connection, fulfilment_order_id: str) -> bytes:
    return document(conn, "delivery_note", fulfilment_order_id).content


def pick_list_pdf(conn: Connection, fulfilment_order_id: str) -> bytes:
    return document(conn, "pick_list", fulfilment_order_id).content


def purchase_order_pdf(conn: Connection, po_id: str) -> bytes:
    return document(conn, "purchase_order", po_id).content


def statement_document(conn: Connection, customer_id: str, start: date | None,
                       end: date | None) -> Pdf:
    """The customer's statement of account for the days start..end (both included, in the
    shop's time zone); without them, the current month up to today."""
    shop = common(conn)
    ctx = statement.statement(conn, customer_id, start, end, str(shop["zone"]))
    content = engine.pdf("statement.html", **shop, **ctx, title=shop["L"]["statement"])  # type: ignore[index]
    return Pdf(f"{ctx['number']}.pdf", content)


def statement_pdf(conn: Connection, customer_id: str, start: date | None = None,
                  end: date | None = None) -> bytes:
    return statement_document(conn, customer_id, start, end).content
