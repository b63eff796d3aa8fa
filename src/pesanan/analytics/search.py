"""One search box: what was typed, looked up as every kind of thing a person types into it.

An order number (SO-001042 or 1042), an invoice or return number, a customer's name, email or
phone, a SKU or product name, a shipment's tracking number, a purchase order number. Results
come grouped by kind, at most `limit` per kind, exact matches first (an exact number, email,
SKU or tracking number is one indexed lookup; the partial matches after it are bounded).

Indexes: order, invoice, return, PO numbers, SKU and customer email are unique (indexed) and
looked up exactly. Partial matches (`ILIKE '%…%'` on customer name/email/phone and product
name, and a prefix on invoice/return numbers and tracking numbers) read the table: a btree
cannot serve a substring, and `shipment.tracking_number` has no index at all (a trigram index
on PostgreSQL would serve both; not added here). Each such read stops at `limit` rows.

Read side: reads the domains' tables directly (pesanan.analytics may read any table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, or_, select

from pesanan.billing.models import invoice
from pesanan.catalog.models import product
from pesanan.core.schema import document_number
from pesanan.customers.models import customer
from pesanan.fulfillment.models import shipment
from pesanan.orders.models import sales_order
from pesanan.purchasing.models import purchase_order
from pesanan.returns.models import rma

LIMIT = 5
MAX_QUERY = 100
# kind -> (heading, the read permission a role needs to see that group)
KINDS: dict[str, tuple[str, str]] = {
    "order": ("Orders", "orders:read"),
    "invoice": ("Invoices", "billing:read"),
    "customer": ("Customers", "customers:read"),
    "product": ("Products", "catalog:read"),
    "shipment": ("Shipments", "fulfillment:read"),
    "purchase_order": ("Purchase orders", "purchasing:read"),
    "return": ("Returns", "returns:read"),
}

Hit = dict[str, Any]


def _number(text: str, prefix: str) -> int | None:
    """SO-001042, so-1042, 001042 or 1042 -> 1042 (None when it is no such number)."""
    t = text.strip().upper()
    return document_number(t.removeprefix(prefix + "-") if t.startswith(prefix + "-") else t)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _prefix(text: str) -> str:
    return _like(text)[1:]


def _orders(conn: Connection, q: str, limit: int) -> list[Hit]:
    n = _number(q, "SO")
    if n is None:
        return []
    rows = conn.execute(select(sales_order.c.id, sales_order.c.number, sales_order.c.status)
                        .where(sales_order.c.number == n)).all()
    return [{"id": r.id, "label": f"SO-{r.number:06d}", "detail": r.status,
             "href": f"/orders/{r.id}", "exact": True} for r in rows[:limit]]


def _exact_then_prefix(conn: Connection, stmt: Select[Any], col: ColumnElement[str], t: str,
                       limit: int) -> list[Any]:
    """The exact value through the unique index first; only if that is not all, the values
    starting with it (a scan of the column on PostgreSQL's default collation, bounded)."""
    rows = list(conn.execute(stmt.where(col == t)).all())
    if len(rows) < limit:
        rows += conn.execute(stmt.where(col.like(_prefix(t), escape="\\"), col != t)
                             .order_by(col).limit(limit - len(rows))).all()
    return rows


def _invoices(conn: Connection, q: str, limit: int) -> list[Hit]:
    t = q.strip().upper()
    if not t.startswith("INV-"):
        return []
    rows = _exact_then_prefix(conn, select(invoice.c.id, invoice.c.number, invoice.c.status),
                              invoice.c.number, t, limit)
    return _ranked([{"id": r.id, "label": r.number, "detail": r.status,
                     "href": f"/billing/invoices/{r.id}", "exact": r.number == t}
                    for r in rows], limit)


def _customers(conn: Connection, q: str, limit: int) -> list[Hit]:
    t = q.strip()
    exact = conn.execute(select(customer).where(
        or_(customer.c.email == t, customer.c.email == t.lower(), customer.c.phone == t))
        .limit(limit)).mappings().all()
    like = _like(t.lower())
    partial = conn.execute(select(customer).where(
        customer.c.name.ilike(like, escape="\\") | customer.c.email.ilike(like, escape="\\")
        | customer.c.phone.ilike(like, escape="\\")).order_by(customer.c.name, customer.c.id)
        .limit(limit)).mappings().all()
    seen = {r["id"] for r in exact}
    hits = [{"id": r["id"], "label": r["name"],
             "detail": " · ".join(x for x in (r["email"], r["phone"]) if x),
             "href": f"/customers/{r['id']}", "exact": r["id"] in seen}
            for r in [*exact, *(r for r in partial if r["id"] not in seen)]]
    return hits[:limit]


def _products(conn: Connection, q: str, limit: int) -> list[Hit]:
    t = q.strip()
    like = _like(t.lower())
    rows = conn.execute(select(product.c.id, product.c.sku, product.c.name).where(
        or_(product.c.sku == t, product.c.sku == t.upper(),
            product.c.sku.ilike(like, escape="\\"), product.c.name.ilike(like, escape="\\")))
        .order_by(product.c.sku).limit(limit + 1)).all()
    return _ranked([{"id": r.id, "label": r.sku, "detail": r.name,
                     "href": f"/inventory/history?sku={r.sku}",
                     "exact": r.sku.upper() == t.upper()} for r in rows], limit)


def _shipments(conn: Connection, q: str, limit: int) -> list[Hit]:
    t = q.strip()
    rows = conn.execute(
        select(shipment.c.id, shipment.c.tracking_number, shipment.c.carrier,
               shipment.c.order_id, shipment.c.status, sales_order.c.number)
        .join(sales_order, sales_order.c.id == shipment.c.order_id)
        .where(shipment.c.tracking_number.ilike(_prefix(t), escape="\\"))
        .order_by(shipment.c.tracking_number).limit(limit + 1)).all()
    return _ranked([{"id": r.id, "label": r.tracking_number,
                     "detail": f"{r.carrier} · SO-{r.number:06d} · {r.status}",
                     "href": f"/orders/{r.order_id}",
                     "exact": r.tracking_number.upper() == t.upper()}
                    for r in rows], limit)


def _purchase_orders(conn: Connection, q: str, limit: int) -> list[Hit]:
    n = _number(q, "PO")
    if n is None:
        return []
    rows = conn.execute(select(purchase_order.c.id, purchase_order.c.number,
                               purchase_order.c.status)
                        .where(purchase_order.c.number == n)).all()
    return [{"id": r.id, "label": f"PO-{r.number:06d}", "detail": r.status,
             "href": f"/purchasing/orders/{r.id}", "exact": True} for r in rows[:limit]]


def _returns(conn: Connection, q: str, limit: int) -> list[Hit]:
    t = q.strip().upper()
    if not t.startswith("RMA-"):
        return []
    rows = _exact_then_prefix(conn, select(rma.c.id, rma.c.number, rma.c.status),
                              rma.c.number, t, limit)
    return _ranked([{"id": r.id, "label": r.number, "detail": r.status,
                     "href": f"/returns/{r.id}", "exact": r.number == t} for r in rows], limit)


def _ranked(hits: list[Hit], limit: int) -> list[Hit]:
    """Exact matches first, then the rest in the order read; at most `limit`."""
    return sorted(hits, key=lambda h: not h["exact"])[:limit]


FINDERS: dict[str, Callable[[Connection, str, int], list[Hit]]] = {
    "order": _orders, "invoice": _invoices, "customer": _customers, "product": _products,
    "shipment": _shipments, "purchase_order": _purchase_orders, "return": _returns,
}


def search(conn: Connection, q: str, allowed: Callable[[str], bool],
           limit: int = LIMIT) -> dict[str, Any]:
    """Groups of hits for `q`, only of the kinds whose read permission `allowed` grants,
    groups with an exact match first. An empty or over-long query finds nothing."""
    q = q.strip()
    groups: list[dict[str, Any]] = []
    if q and len(q) <= MAX_QUERY:
        for kind, find in FINDERS.items():
            label, perm = KINDS[kind]
            if allowed(perm) and (items := find(conn, q, limit)):
                groups.append({"kind": kind, "label": label, "items": items})
    groups.sort(key=lambda g: not any(h["exact"] for h in g["items"]))
    return {"query": q, "groups": groups}
