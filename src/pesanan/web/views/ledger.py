"""Ledger: the trial balance per currency and the journal (entries with their lines)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, FieldError, ValidationFailed
from pesanan.ledger import queries as ledger_q
from pesanan.orders import queries as orders_q
from pesanan.web.deps import page, read, render
from pesanan.web.forms import domain_errors
from pesanan.web.listing import csv_export, field, wants_csv

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("ledger:read"))]
# What posts to the ledger (the source_type each service passes to ledger.service.post).
SOURCES = {"invoice": "Invoice", "payment": "Payment", "shipment": "Shipment",
           "purchase_order": "Goods received", "stock_adjustment": "Stock adjustment"}
# One row per journal line (what an accountant imports), the entry's facts on each. The
# journal keeps its order (newest entry first, lines as posted): no sorting.
CSV_COLUMNS = (
    field("entry_id"), field("occurred_at", "occurred_at_utc"), field("source_type"),
    field("source_id"), field("order_number"), field("memo"), field("currency"),
    field("account_code"), field("account_name"), field("debit"), field("credit"),
)


def _side(amount: str) -> dict[str, str]:
    """A signed balance (debit - credit) as the accountant reads it: the amount and Dr/Cr."""
    value = Decimal(amount)
    side = "Dr" if value > 0 else "Cr" if value < 0 else ""
    return {"amount": amount.removeprefix("-"), "side": side}


def _presented(tb: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for cur in tb["currencies"]:
        accounts = [{**a, "shown": _side(a["balance"])} for a in cur["accounts"]]
        diff = Decimal(cur["total_debit"]) - Decimal(cur["total_credit"])
        out.append({**cur, "accounts": accounts, "difference": _side(str(diff))})
    return out


@router.get("/ledger")
def trial_balance(request: Request, _: Viewer) -> Response:
    tb = read(request, ledger_q.trial_balance)
    return render(request, "ledger/trial_balance.html", balanced=tb["balanced"],
                  currencies=_presented(tb))


@router.get("/ledger/entries")
def journal(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    f = {k: (request.query_params.get(k) or "").strip() or None for k in ("source_type", "order")}
    if f["source_type"] not in SOURCES:
        f["source_type"] = None
    if wants_csv(request):
        return csv_export(request, "journal", CSV_COLUMNS, lambda c, after, n: _lines(
            _entries(c, f, after, n)))
    errors: dict[str, str] = {}
    try:
        result = read(request, lambda c: _entries(c, f, cursor))
    except DomainError as e:
        result, errors = {"items": [], "next_cursor": None, "orders": {}}, domain_errors(e)
    if result.pop("unknown_order", False):
        errors["order"] = f"No order numbered {f['order']}."
    more = None
    if result["next_cursor"]:
        more = "/ledger/entries?" + urlencode(
            {**{k: v for k, v in f.items() if v}, "cursor": result["next_cursor"]})
    ctx = {**result, "f": f, "more_url": more, "sources": SOURCES, "errors": errors}
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        # "Load more" appends entries in place of its own row; a filter change redraws the table.
        more_only = request.headers.get("hx-target") == "more"
        return render(request, "ledger/_entry_rows.html" if more_only
                      else "ledger/_journal_table.html", **ctx, partial=True)
    return render(request, "ledger/journal.html", **ctx)


def _lines(result: dict[str, Any]) -> dict[str, Any]:
    if result.get("unknown_order"):
        raise ValidationFailed("No order has this number",
                               [FieldError("order", "not_found", "no such order")])
    return {"next_cursor": result["next_cursor"], "items": [
        {**{k: e[k] for k in ("occurred_at", "source_type", "source_id", "memo", "currency")},
         "entry_id": e["id"], "order_number": result["orders"].get(e["order_id"]),
         **{k: x[k] for k in ("account_code", "account_name", "debit", "credit")}}
        for e in result["items"] for x in e["lines"]]}


def _entries(conn: Connection, f: dict[str, str | None], cursor: str | None,
             limit: int = 50) -> dict[str, Any]:
    order_id = None
    if f["order"]:
        # The same number search as the orders list: SO-000123, 000123 or 123.
        found = orders_q.list_orders(conn, limit=1, search=f["order"])["items"]
        if not found:
            return {"items": [], "next_cursor": None, "orders": {}, "unknown_order": True}
        order_id = found[0]["id"]
    result = ledger_q.list_entries(conn, limit=limit, cursor=cursor,
                                   source_type=f["source_type"], order_id=order_id)
    ids = [e["order_id"] for e in result["items"] if e["order_id"]]
    items = [{**e, "lines": [{**x, "side": "Dr" if Decimal(x["debit"]) > 0 else "Cr"}
                             for x in e["lines"]]} for e in result["items"]]
    return {"items": items, "next_cursor": result["next_cursor"],
            "orders": orders_q.numbers(conn, ids)}
