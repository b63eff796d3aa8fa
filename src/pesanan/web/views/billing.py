"""Billing: invoices and payments with filters, and the printable invoice."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from pesanan.billing import queries as billing_q
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import DomainError, NotFound
from pesanan.customers import queries as customers
from pesanan.flows import customer_profile
from pesanan.orders import queries as orders_q
from pesanan.shop import service as shop
from pesanan.shop.days import business_date
from pesanan.shop.profile import ShopProfile
from pesanan.web.deps import page, read, render
from pesanan.web.forms import domain_errors
from pesanan.web.listing import Column, csv_export, field, sort_of, wants_csv

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("billing:read"))]
STATUSES = ("issued", "partially_paid", "paid")
METHODS = ("card", "bank_transfer", "cash", "cod", "other")
EMPTY: dict[str, Any] = {"items": [], "next_cursor": None}
INVOICE_SORTS = {k: k for k in ("number", "issued_at", "due_at", "status", "total")}
PAYMENT_SORTS = {k: k for k in ("received_at", "method", "amount")}
_NAMED = (Column("order_number", lambda i: i["order_number"]), field("customer_id"),
          Column("customer_name", lambda i: i["customer_name"]))
INVOICE_CSV = (field("number"), *_NAMED, field("status"),
               field("issued_at", "issued_at_utc"), field("due_at", "due_at_utc"),
               field("currency"), field("subtotal"), field("tax_total"), field("total"),
               field("amount_paid"), field("amount_due"))
PAYMENT_CSV = (field("received_at", "received_at_utc"), field("invoice_number"), *_NAMED,
               field("method"), field("reference"), field("currency"), field("amount"))


def _filters(request: Request, names: tuple[str, ...], choices: dict[str, tuple[str, ...]]
             ) -> dict[str, str | None]:
    """Query parameters by name; a choice outside its list (hand-edited URL) counts as unset."""
    f = {k: (request.query_params.get(k) or "").strip() or None for k in names}
    for k, allowed in choices.items():
        if f[k] not in allowed:
            f[k] = None
    return f


def _more_url(path: str, f: dict[str, str | None], cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return f"{path}?{urlencode({**{k: v for k, v in f.items() if v}, 'cursor': cursor})}"


def _list_page(request: Request, load: Any, full: str, rows: str, path: str,
               f: dict[str, str | None]) -> Response:
    """Shared by both lists: run the read, show a bad cursor as a message, answer HTMX with
    only the rows."""
    errors: dict[str, str] = {}
    try:
        result = read(request, load)
    except DomainError as e:
        result = {**EMPTY, "names": {}, "orders": {}, "receivables": []}
        errors = domain_errors(e)
    ctx = {**result, "f": f, "more_url": _more_url(path, f, result["next_cursor"])}
    if _partial(request):
        return render(request, rows, **ctx)
    return render(request, full, **ctx, errors=errors, statuses=STATUSES, methods=METHODS)


def _partial(request: Request) -> bool:
    """An HTMX request for rows only (filter change or "Load more")."""
    return bool(request.headers.get("hx-request") and not request.headers.get("hx-boosted"))


def _labelled(conn: Connection, result: dict[str, Any]) -> dict[str, Any]:
    """A page for the CSV: each row with its order number and customer name."""
    labels = _labels(conn, result["items"])
    return {**result, "items": [
        {**i, "order_number": labels["orders"].get(i["order_id"]),
         "customer_name": labels["names"].get(i["customer_id"])} for i in result["items"]]}


def _labels(conn: Connection, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "names": customers.names(conn, [i["customer_id"] for i in items if i["customer_id"]]),
        "orders": orders_q.numbers(conn, [i["order_id"] for i in items]),
    }


@router.get("/billing")
def invoice_list(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    f = _filters(request, ("status", "overdue", "q"), {"status": STATUSES, "overdue": ("1",)})
    as_of, partial = now(), _partial(request)
    sort, sorted_by = sort_of(request, INVOICE_SORTS)

    def invoices(conn: Connection, after: str | None, limit: int) -> dict[str, Any]:
        ids = customers.ids_matching(f["q"]) if f["q"] else None
        return billing_q.list_invoices(
            conn, limit=limit, cursor=after, status=f["status"],
            overdue_at=as_of if f["overdue"] else None, search=f["q"], customer_ids=ids,
            sort=sort)

    if wants_csv(request):
        return csv_export(request, "invoices", INVOICE_CSV,
                          lambda c, after, n: _labelled(c, invoices(c, after, n)))
    f.update(sorted_by)

    def load(conn: Connection) -> dict[str, Any]:
        result = invoices(conn, cursor, 50)
        items = [{**i, "overdue": billing_q.is_overdue(i, as_of)} for i in result["items"]]
        return {"items": items, "next_cursor": result["next_cursor"], **_labels(conn, items),
                "receivables": [] if partial else billing_q.receivables(conn, as_of)}

    return _list_page(request, load, "billing/invoices.html", "billing/_invoice_rows.html",
                      "/billing", f)


@router.get("/billing/payments")
def payment_list(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    f = _filters(request, ("method", "q"), {"method": METHODS})
    sort, sorted_by = sort_of(request, PAYMENT_SORTS)

    def payments(conn: Connection, after: str | None, limit: int) -> dict[str, Any]:
        ids = customers.ids_matching(f["q"]) if f["q"] else None
        return billing_q.list_payments(conn, limit=limit, cursor=after, method=f["method"],
                                       customer_ids=ids, sort=sort)

    if wants_csv(request):
        return csv_export(request, "payments", PAYMENT_CSV,
                          lambda c, after, n: _labelled(c, payments(c, after, n)))
    f.update(sorted_by)

    def load(conn: Connection) -> dict[str, Any]:
        result = payments(conn, cursor, 50)
        return {**result, **_labels(conn, result["items"])}

    return _list_page(request, load, "billing/payments.html", "billing/_payment_rows.html",
                      "/billing/payments", f)


@router.get("/billing/invoices/{invoice_id}")
def printable_invoice(request: Request, invoice_id: str, _: Viewer) -> Response:
    try:
        ctx = read(request, lambda c: _printable(c, invoice_id))
    except NotFound:
        return render(request, "error.html", 404, title="Invoice not found",
                      message="There is no invoice at this address. It may have been mistyped.")
    return render(request, "billing/invoice.html", **ctx)


def _printable(conn: Connection, invoice_id: str) -> dict[str, Any]:
    invoice = billing_q.get_invoice(conn, invoice_id)
    order = orders_q.get_order(conn, invoice["order_id"])
    customer = customer_profile.get_customer(conn, invoice["customer_id"], history=0)
    profile = shop.profile(conn)
    return {
        "invoice": invoice, "order": order, "customer": customer, "seller": seller(profile),
        "bill_to": _address(customer["addresses"], "billing", "shipping"),
        "ship_to": order["shipping_address"]
        or _address(customer["addresses"], "shipping", "billing"),
        "lines": [{**line, "tax_percent": _percent(line["tax_rate"])} for line in order["lines"]],
        # Today an order has one invoice covering all of it; should that change, the printout
        # must say its lines are the whole order's, not this invoice's share.
        "whole_order": invoice["total"] == order["total"],
        "on_receipt": _day(invoice["due_at"], profile) <= _day(invoice["issued_at"], profile),
    }


def _address(addresses: list[dict[str, Any]], *kinds: str) -> dict[str, Any] | None:
    """The default address of the first kind that has one, else any address of that kind."""
    for kind in kinds:
        of_kind = [a for a in addresses if a["kind"] == kind]
        if of_kind:
            return next((a for a in of_kind if a["is_default"]), of_kind[0])
    return None


def _percent(rate: str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"


def _day(ts: str, profile: ShopProfile) -> str:
    """The shop's calendar day of a stored (UTC) time: due "on receipt" is the same local day."""
    return business_date(datetime.fromisoformat(ts), profile.zone).isoformat()


def seller(p: ShopProfile) -> dict[str, Any]:
    """The seller block of the printed invoice, from the shop's settings."""
    lines = [line for line in p.address.splitlines() if line.strip()]
    if p.tax_id:
        lines.append(f"NPWP {p.tax_id}" if p.locale == "id_ID" else f"Tax ID {p.tax_id}")
    lines += [x for x in (p.email, p.phone) if x]
    return {"name": p.legal_name, "lines": lines, "footer": p.invoice_footer,
            "payment_instructions": p.payment_instructions,
            "logo": p.logo is not None}
