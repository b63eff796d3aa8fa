"""Inventory: stock by SKU and location, adjustments with a reason, movement history."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from pesanan.catalog import queries as catalog
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound
from pesanan.fulfillment import queries as fulfillment_q
from pesanan.inventory import queries, service, states
from pesanan.inventory.schemas import QuarantineMove, StockAdjustment
from pesanan.purchasing import levels as purchasing_levels
from pesanan.purchasing import queries as purchasing_q
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse
from pesanan.web.listing import Column, csv_export, field, wants_csv
from pesanan.web.views import stock_moves

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("inventory:read"))]
Writer = Annotated[Actor, Depends(page("inventory:write"))]
EMPTY: dict[str, Any] = {"items": [], "next_cursor": None}
# Stock keeps its order (SKU id, then location: the cursor is that pair) and movements theirs
# (newest first, append-only): neither sorts. Units only, no money, so every role sees all.
STOCK_CSV = tuple(field(k) for k in (
    "sku", "name", "location_code", "on_hand", "reserved", "available", "incoming",
    "quarantined", "in_transit"))
MOVEMENT_CSV = (
    field("created_at", "created_at_utc"), Column("sku", lambda m: m["sku"]),
    Column("location_code", lambda m: m["location_code"]), field("kind"), field("quantity"),
    field("reason"), field("reference_type"), Column("reference", lambda m: m["reference"]),
)


def friendly(errors: dict[str, str]) -> dict[str, str]:
    """Pydantic's wording ("Input should be a valid integer, unable to parse…") is for
    programmers; say what to type instead."""
    out = {}
    for name, msg in errors.items():
        if msg.startswith("Input should be a valid integer"):
            msg = "Enter a whole number."
        elif msg == "Field required" or msg.startswith("String should have at least 1"):
            msg = "Required."
        out[name] = msg
    return out


def _locations(conn: Connection) -> list[dict[str, Any]]:
    return list(queries.list_locations(conn, limit=250)["items"])


def next_url(path: str, params: dict[str, Any]) -> str | None:
    """The "Load more" link: the same filters and the next cursor (None on the last page)."""
    if not params.get("cursor"):
        return None
    return path + "?" + urlencode({k: v for k, v in params.items() if v})


def _hx_rows(request: Request) -> bool:
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")


def _stock_page(request: Request, f: dict[str, Any], cursor: str | None,
                errors: dict[str, str], form: dict[str, Any], status: int = 200) -> Response:
    try:
        levels = read(request, lambda c: purchasing_levels.stock_levels(
            c, q=f["q"], location_id=f["location_id"], limit=50, cursor=cursor))
    except DomainError as e:
        levels, errors = EMPTY, {**domain_errors(e), **errors}
    more = next_url("/inventory", {**f, "cursor": levels["next_cursor"]})
    if _hx_rows(request):
        return render(request, "inventory/_stock_rows.html", levels=levels, f=f, more=more)
    return render(request, "inventory/stock.html", status, levels=levels, f=f, errors=errors,
                  more=more, form=form, locations=read(request, _locations))


@router.get("/inventory")
def stock(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    f = {k: request.query_params.get(k) or None for k in ("q", "location_id")}
    if wants_csv(request):
        return csv_export(request, "stock", STOCK_CSV, lambda c, after, n: (
            purchasing_levels.stock_levels(c, q=f["q"], location_id=f["location_id"],
                                           limit=n, cursor=after)))
    return _stock_page(request, f, cursor, {}, {"location_id": f["location_id"]})


def _references(conn: Connection, items: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """What each movement's reference points at: a PO number, or a shipment and its order."""
    refs: dict[str, dict[str, str]] = {}
    po_ids = {m["reference_id"] for m in items if m["reference_type"] == "purchase_order"}
    for po_id, number in purchasing_q.po_numbers(conn, po_ids).items():
        refs[po_id] = {"label": number, "href": f"/purchasing/orders/{po_id}",
                       "perm": "purchasing:read"}
    # One primary-key read per shipment on the page (at most 50): there is no bulk shipment read.
    for sid in {m["reference_id"] for m in items if m["reference_type"] == "shipment"}:
        s = fulfillment_q.shipment_row(conn, sid)
        refs[sid] = {"label": fulfillment_q.shipment_number(s["number"]),
                     "href": f"/orders/{s['order_id']}",
                     "perm": "orders:read"}
    return refs


def _history(conn: Connection, sku: str, location_id: str | None, cursor: str | None
             ) -> dict[str, Any]:
    prod = catalog.ids_by_sku(conn, [sku]).get(sku)
    if prod is None:
        raise NotFound(f"There is no product with SKU {sku}.")
    location = queries.get_location(conn, location_id) if location_id else None
    locations = _locations(conn)
    moves = queries.movements(conn, product_id=prod["id"], location_id=location_id, limit=50,
                              cursor=cursor)
    more = next_url("/inventory/history", {"sku": sku, "location_id": location_id,
                                           "cursor": moves["next_cursor"]})
    return {
        "product": {"id": prod["id"], "sku": sku, "name": prod["name"]}, "more": more,
        "location": location, "moves": moves, "refs": _references(conn, moves["items"]),
        "levels": purchasing_levels.stock_levels(conn, sku=sku, location_id=location_id)["items"],
        "locations": locations, "codes": {x["id"]: x["code"] for x in locations},
    }


def _movement_rows(conn: Connection, sku: str, location_id: str | None, cursor: str | None,
                   limit: int) -> dict[str, Any]:
    prod = catalog.ids_by_sku(conn, [sku]).get(sku)
    if prod is None:
        raise NotFound(f"There is no product with SKU {sku}.")
    moves = queries.movements(conn, product_id=prod["id"], location_id=location_id,
                              limit=limit, cursor=cursor)
    codes = {x["id"]: x["code"] for x in _locations(conn)}
    refs = _references(conn, moves["items"])
    return {"next_cursor": moves["next_cursor"], "items": [
        {**m, "sku": sku, "location_code": codes.get(m["location_id"]),
         "reference": refs.get(m["reference_id"] or "", {}).get("label", m["reference_id"])}
        for m in moves["items"]]}


def history_url(sku: str, location_id: str | None, **extra: Any) -> str:
    params = {"sku": sku, **({"location_id": location_id} if location_id else {}), **extra}
    return "/inventory/history?" + urlencode(params)


@router.get("/inventory/history")
def history(request: Request, _: Viewer, sku: str = "", location_id: str | None = None,
            cursor: str | None = None, adjusted: int | None = None,
            quarantined: str | None = None) -> Response:
    if wants_csv(request):
        return csv_export(request, f"movements-{sku}", MOVEMENT_CSV, lambda c, after, n: (
            _movement_rows(c, sku, location_id or None, after, n)))
    try:
        ctx = read(request, lambda c: _history(c, sku, location_id or None, cursor))
    except DomainError as e:
        missing = isinstance(e, NotFound)
        return render(request, "error.html", 404 if missing else 422, title="Nothing to show",
                      message=e.detail if missing else "This paging link is not valid.")
    if _hx_rows(request):
        return render(request, "inventory/_movement_rows.html", **ctx)
    return render(request, "inventory/history.html", **ctx, adjusted=adjusted, errors={},
                  form={"sku": sku, "location_id": location_id},
                  quarantined=QUARANTINE_DONE.get(quarantined or ""))


def _refused(request: Request, form: dict[str, Any], errors: dict[str, str]) -> Response:
    """Show the form again, with the messages, on the page it was sent from."""
    sku, loc = form.get("sku", ""), form.get("location_id")
    if form.get("back") == "history":
        try:
            ctx = read(request, lambda c: _history(c, sku, loc, None))
        except DomainError:
            pass  # the hidden fields were tampered with: fall back to the stock page
        else:
            return render(request, "inventory/history.html", 422, **ctx, adjusted=None,
                          errors=errors, form=form)
    return _stock_page(request, {"q": None, "location_id": None}, None, errors, form, 422)


@router.post("/inventory/adjustments", dependencies=[Depends(check_csrf)])
def adjust(request: Request, posted: PostedForm, _: Writer) -> Response:
    form = clean(posted)
    fields = {k: v for k, v in form.items() if k != "back"}
    cmd, errors = parse(StockAdjustment, fields)
    if cmd is None:
        return _refused(request, form, friendly(errors))
    try:
        execute(request, lambda c: service.adjust_stock(c, cmd))
    except DomainError as e:
        return _refused(request, form, domain_errors(e))
    return RedirectResponse(history_url(cmd.sku, cmd.location_id, adjusted=cmd.quantity),
                            status_code=303)


# --- quarantine (from a SKU's history at one location) ----------------------------------------

QUARANTINE = {"quarantine": states.quarantine_stock, "release": states.release_quarantine,
              "scrap": states.scrap_quarantine}
QUARANTINE_DONE = {"quarantine": "Moved to quarantine.", "release": "Released to stock.",
                   "scrap": "Scrapped and written off."}


@router.post("/inventory/quarantine", dependencies=[Depends(check_csrf)])
def quarantine(request: Request, posted: PostedForm, _: Writer) -> Response:
    form = clean(posted)
    action = str(form.pop("action", ""))
    fn = QUARANTINE.get(action)
    sku, loc = str(form.get("sku", "")), form.get("location_id")
    cmd, errors = parse(QuarantineMove, form)
    status = 422
    if fn is None:
        errors = {"form": "Choose quarantine, release or scrap."}
    elif cmd is not None:
        try:
            execute(request, lambda c: fn(c, cmd, purchasing_levels.level))
        except DomainError as e:
            errors, status = domain_errors(e), e.status
        else:
            return RedirectResponse(history_url(cmd.sku, cmd.location_id,
                                                quarantined=action) + "#quarantine",
                                    status_code=303)
    try:
        ctx = read(request, lambda c: _history(c, sku, loc, None))
    except DomainError as e:
        return render(request, "error.html", 404, title="Nothing to show", message=e.detail)
    return render(request, "inventory/history.html", status, **ctx,
                  adjusted=None, errors={}, form={"sku": sku, "location_id": loc},
                  quarantined=None, qerrors=friendly(errors), qform=form)


router.include_router(stock_moves.router)
