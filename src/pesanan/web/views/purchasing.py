"""Purchasing: purchase orders (replenish, submit, cancel, receive), suppliers, offers and
reorder rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound
from pesanan.flows import receiving
from pesanan.inventory import queries as inventory_q
from pesanan.purchasing import drafts, queries, service
from pesanan.purchasing import status as st
from pesanan.purchasing.schemas import (
    CancelPurchaseOrder,
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    PurchaseOrderLineUpdate,
    ReceivePurchaseOrder,
    ReorderRuleSet,
    SupplierCreate,
    SupplierOfferCreate,
)
from pesanan.web import commands, i18n
from pesanan.web.commands import act
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse, read_money, typed_amount
from pesanan.web.listing import Column, csv_export, field, sort_of, wants_csv
from pesanan.web.views.inventory import EMPTY, friendly, next_url

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("purchasing:read"))]
Writer = Annotated[Actor, Depends(page("purchasing:write"))]
STATUSES = [s.value for s in st.POStatus]
# Amounts get their sentence from forms.parse (money fields); the rest are worded here.
HINTS = {"currency": "Enter a three-letter code like IDR."}


def _hints(errors: dict[str, str]) -> dict[str, str]:
    """Friendlier wording than pydantic's regular expressions (the currency field)."""
    out = friendly(errors)
    for name, msg in out.items():
        if msg.startswith("String should match pattern") and name in HINTS:
            out[name] = HINTS[name]
    return out


def _hx_rows(request: Request) -> bool:
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")


def _lookups(conn: Connection) -> dict[str, Any]:
    """Suppliers and locations for select boxes and for naming ids in tables. A shop has a
    handful of each; 250 is the page size the API allows."""
    suppliers = queries.list_suppliers(conn, limit=250)["items"]
    locations = inventory_q.list_locations(conn, limit=250)["items"]
    return {"suppliers": suppliers, "locations": locations,
            "supplier_names": {s["id"]: s["name"] for s in suppliers},
            "codes": {x["id"]: x["code"] for x in locations}}


def _listing(request: Request, fn: Any) -> tuple[dict[str, Any], dict[str, str]]:
    try:
        return read(request, fn), {}
    except DomainError as e:  # a stale or forged cursor
        return EMPTY, domain_errors(e)


# --- purchase orders ---------------------------------------------------------------------------

PO_SORTS = {k: k for k in ("number", "created_at", "status", "total", "supplier_name")}
PO_CSV = (
    field("number"), field("status"), field("supplier_id"), field("supplier_name"),
    Column("location_code", lambda p: p["location_code"]), field("currency"), field("total"),
    Column("lines", lambda p: "; ".join(f"{x['quantity']}x {x['sku']} @ {x['unit_cost']}"
                                        for x in p["lines"])),
    field("created_at", "created_at_utc"), field("expected_at", "expected_at_utc"),
)

@router.get("/purchasing")
def orders(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    f = {k: request.query_params.get(k) or None for k in ("status", "supplier_id")}
    if f["status"] not in STATUSES:
        f["status"] = None
    sort, sorted_by = sort_of(request, PO_SORTS)

    def load(conn: Connection, after: str | None = cursor, limit: int = 50) -> dict[str, Any]:
        return queries.list_purchase_orders(conn, status=f["status"], supplier_id=f["supplier_id"],
                                            limit=limit, cursor=after, sort=sort)

    if wants_csv(request):
        return csv_export(request, "purchase-orders", PO_CSV, lambda c, after, n: _coded(
            c, load(c, after, n)))
    f.update(sorted_by)
    pos, errors = _listing(request, load)
    more = next_url("/purchasing", {**f, "cursor": pos["next_cursor"]})
    ctx = {"pos": pos, "f": f, "more": more, **read(request, _lookups)}
    if _hx_rows(request):
        return render(request, "purchasing/_po_rows.html", **ctx)
    return render(request, "purchasing/orders.html", **ctx, errors=errors, statuses=STATUSES)


def _coded(conn: Connection, result: dict[str, Any]) -> dict[str, Any]:
    codes = _lookups(conn)["codes"]
    return {**result, "items": [{**p, "location_code": codes.get(p["location_id"])}
                                for p in result["items"]]}


@router.post("/purchasing/replenish", dependencies=[Depends(check_csrf)])
def replenish(request: Request, actor: Writer) -> Response:
    result = execute(request, lambda c: service.replenish(c, actor))
    return render(request, "purchasing/replenished.html", result=result,
                  **read(request, _lookups))


def _detail(conn: Connection, po_id: str) -> dict[str, Any]:
    po = queries.get_purchase_order(conn, po_id)
    allowed = st.TRANSITIONS[st.POStatus(po["status"])]
    return {"po": po, "location": inventory_q.get_location(conn, po["location_id"]),
            "can_submit": st.POStatus.ORDERED in allowed,
            "can_cancel": st.POStatus.CANCELLED in allowed,
            "can_receive": po["status"] in st.OPEN}


def _po_page(request: Request, po_id: str, errors: dict[str, str], form: dict[str, Any],
             status: int = 200) -> Response:
    try:
        ctx = read(request, lambda c: _detail(c, po_id))
    except NotFound:
        return render(request, "error.html", 404, title="Purchase order not found",
                      message="There is no such purchase order. It may have been mistyped.")
    locale = i18n.use(request)  # a draft's unit costs as this user types them, to edit
    ctx["typed_costs"] = {x["id"]: typed_amount(x["unit_cost"], ctx["po"]["currency"], locale)
                          for x in ctx["po"]["lines"]}
    return render(request, "purchasing/po.html", status, **ctx, errors=errors, form=form)


@router.get("/purchasing/orders/{po_id}")
def po_detail(request: Request, po_id: str, _: Viewer) -> Response:
    return _po_page(request, po_id, {}, {})


def _act(request: Request, po_id: str, run: Callable[[Connection], Any], form: dict[str, Any],
         rename: dict[str, str] | None = None) -> Response:
    """Run one command on the PO; on refusal show its page again with the messages, field
    names translated back to the form's (`rename`)."""
    def again(messages: dict[str, str]) -> Response:
        by_field = {(rename or {}).get(k, k): v for k, v in messages.items()}
        return _po_page(request, po_id, by_field, form, 422)

    return act(request, run, f"/purchasing/orders/{po_id}", again)


@router.post("/purchasing/orders/{po_id}/submit", dependencies=[Depends(check_csrf)])
def submit(request: Request, po_id: str, actor: Writer) -> Response:
    return _act(request, po_id, lambda c: service.submit_purchase_order(c, po_id, actor), {})


@router.post("/purchasing/orders/{po_id}/cancel", dependencies=[Depends(check_csrf)])
def cancel(request: Request, posted: PostedForm, po_id: str, actor: Writer) -> Response:
    form = clean(posted)
    cmd, errors = parse(CancelPurchaseOrder, {"reason": form.get("reason", "cancelled")})
    if cmd is None:
        return _po_page(request, po_id, _hints(errors), form, 422)
    return _act(request, po_id,
                lambda c: service.cancel_purchase_order(c, po_id, cmd, actor), form)


def _receipt_lines(form: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Per-line quantities typed in the `qty-<line id>` inputs; blank or 0 means not this one."""
    lines: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for name, value in form.items():
        if not name.startswith("qty-"):
            continue
        try:
            qty = int(str(value).strip())
        except ValueError:
            errors[name] = "Enter a whole number."
            continue
        if qty < 0:
            errors[name] = "Enter 0 or more."
        elif qty:
            lines.append({"purchase_order_line_id": name.removeprefix("qty-"), "quantity": qty})
    if not lines and not errors:
        errors["form"] = ("Enter the quantity that arrived for at least one line, or receive "
                          "everything outstanding.")
    return lines, errors


@router.post("/purchasing/orders/{po_id}/receive", dependencies=[Depends(check_csrf)])
def receive(request: Request, posted: PostedForm, po_id: str, actor: Writer) -> Response:
    form = clean(posted)
    if form.get("all"):
        everything = ReceivePurchaseOrder()
        return _act(request, po_id,
                    lambda c: receiving.receive_purchase_order(c, po_id, everything, actor), {})
    lines, errors = _receipt_lines(form)
    cmd, invalid = parse(ReceivePurchaseOrder, {"lines": lines})
    # The command names lines by position; the form names them by PO line id.
    rename = {f"lines[{i}].{part}": f"qty-{x['purchase_order_line_id']}"
              for i, x in enumerate(lines) for part in ("quantity", "purchase_order_line_id")}
    errors.update({rename.get(k, k): v for k, v in friendly(invalid).items()})
    if cmd is None or errors:
        return _po_page(request, po_id, errors, form, 422)
    return _act(request, po_id,
                lambda c: receiving.receive_purchase_order(c, po_id, cmd, actor), form, rename)


# --- suppliers, offers, reorder rules ---------------------------------------------------------

def _suppliers_page(request: Request, cursor: str | None, errors: dict[str, str],
                    form: dict[str, Any], status: int = 200) -> Response:
    items, bad = _listing(request, lambda c: queries.list_suppliers(c, limit=50, cursor=cursor))
    return render(request, "purchasing/suppliers.html", status, suppliers=items,
                  more=next_url("/purchasing/suppliers", {"cursor": items["next_cursor"]}),
                  errors={**bad, **errors}, form=form)


@router.get("/purchasing/suppliers")
def suppliers(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    return _suppliers_page(request, cursor, {}, {})


@router.post("/purchasing/suppliers", dependencies=[Depends(check_csrf)])
def create_supplier(request: Request, posted: PostedForm, _: Writer) -> Response:
    form = clean(posted)
    if "currency" in form:
        form["currency"] = str(form["currency"]).strip().upper()
    cmd, errors = parse(SupplierCreate, form)

    def again(messages: dict[str, str]) -> Response:
        return _suppliers_page(request, None, messages, form, 422)

    if cmd is None:
        return again(_hints(errors))
    return act(request, lambda c: service.create_supplier(c, cmd), "/purchasing/suppliers",
               again)


def _offers_page(request: Request, f: dict[str, Any], cursor: str | None,
                 errors: dict[str, str], form: dict[str, Any], status: int = 200) -> Response:
    offers, bad = _listing(request, lambda c: queries.list_offers(
        c, sku=f["sku"], supplier_id=f["supplier_id"], limit=50, cursor=cursor))
    ctx = read(request, _lookups)
    if "currency" not in form and ctx["suppliers"]:
        # Offers trade in the supplier's currency: start from the one the select shows.
        chosen = form.get("supplier_id") or ctx["suppliers"][0]["id"]
        form["currency"] = next((s["currency"] for s in ctx["suppliers"]
                                 if s["id"] == chosen), "")
    return render(request, "purchasing/offers.html", status, offers=offers, f=f, **ctx,
                  more=next_url("/purchasing/offers", {**f, "cursor": offers["next_cursor"]}),
                  errors={**bad, **errors}, form=form)


@router.get("/purchasing/offers")
def offers(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    f = {k: request.query_params.get(k) or None for k in ("sku", "supplier_id")}
    return _offers_page(request, f, cursor, {}, {"supplier_id": f["supplier_id"],
                                                  "sku": f["sku"]})


@router.post("/purchasing/offers", dependencies=[Depends(check_csrf)])
def create_offer(request: Request, posted: PostedForm, _: Writer) -> Response:
    form = clean(posted)
    if "currency" in form:
        form["currency"] = str(form["currency"]).strip().upper()
    f = {"sku": None, "supplier_id": None}
    cmd, errors = parse(SupplierOfferCreate, form, money={"price": form.get("currency")},
                        locale=i18n.use(request))

    def again(messages: dict[str, str]) -> Response:
        return _offers_page(request, f, None, messages, form, 422)

    if cmd is None:
        return again(_hints(errors))
    return act(request, lambda c: service.create_offer(c, cmd),
               f"/purchasing/offers?supplier_id={cmd.supplier_id}", again)


def _rules_page(request: Request, f: dict[str, Any], cursor: str | None,
                errors: dict[str, str], form: dict[str, Any], status: int = 200) -> Response:
    rules, bad = _listing(request, lambda c: queries.list_rules(
        c, sku=f["sku"], location_id=f["location_id"], limit=50, cursor=cursor))
    return render(request, "purchasing/rules.html", status, rules=rules, f=f,
                  **read(request, _lookups), errors={**bad, **errors}, form=form,
                  more=next_url("/purchasing/rules", {**f, "cursor": rules["next_cursor"]}))


@router.get("/purchasing/rules")
def rules(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    f = {k: request.query_params.get(k) or None for k in ("sku", "location_id")}
    return _rules_page(request, f, cursor, {}, dict(f))


@router.post("/purchasing/rules", dependencies=[Depends(check_csrf)])
def set_rule(request: Request, posted: PostedForm, _: Writer) -> Response:
    form = clean(posted)
    f = {"sku": None, "location_id": None}
    cmd, errors = parse(ReorderRuleSet, form)

    def again(messages: dict[str, str]) -> Response:
        return _rules_page(request, f, None, messages, form, 422)

    if cmd is None:
        return again(_hints(errors))
    return act(request, lambda c: service.set_reorder_rule(c, cmd),
               "/purchasing/rules?" + urlencode({"sku": cmd.sku}), again)


# --- manual purchase orders: a draft for a supplier, its lines (purchasing/drafts.py) --------

_LINE = ("sku", "quantity", "unit_cost")


def _new_po_page(request: Request, form: dict[str, Any], errors: dict[str, str],
                 status: int = 200) -> Response:
    return render(request, "purchasing/new.html", status, form=form, errors=errors,
                  **read(request, _lookups))


@router.get("/purchasing/new")
def new_po(request: Request, _: Writer, supplier_id: str | None = None) -> Response:
    return _new_po_page(request, {"supplier_id": supplier_id}, {})


def _supplier_currency(request: Request, supplier_id: Any) -> str | None:
    if not isinstance(supplier_id, str) or not supplier_id:
        return None
    sup = read(request, lambda c: queries.supplier_row(c, supplier_id))
    return None if sup is None else str(sup["currency"])


@router.post("/purchasing/orders", dependencies=[Depends(check_csrf)])
def create_po(request: Request, posted: PostedForm, actor: Writer) -> Response:
    """A draft with its first line; more lines are added on its page."""
    form = clean(posted)
    locale = i18n.use(request)
    line = {k: form[k] for k in _LINE if k in form}
    # The unit cost is typed in the user's locale, in the supplier's currency.
    errors = read_money(line, {"unit_cost": _supplier_currency(request, form.get("supplier_id"))},
                        locale)
    # The command names the line by position; the form has one line, named plainly.
    rename = {f"lines[0].{k}": k for k in _LINE}

    def again(messages: dict[str, str]) -> Response:
        return _new_po_page(request, form, {**{rename.get(k, k): v for k, v in messages.items()},
                                            **errors}, 422)

    data = {"supplier_id": form.get("supplier_id", ""),
            "location_id": form.get("location_id", ""), "lines": [line]}
    cmd, invalid = parse(PurchaseOrderCreate, data, locale=locale)
    if cmd is None or errors:
        return again(invalid)
    return act(request, lambda c: service.create_purchase_order(c, cmd, actor),
               lambda po: f"/purchasing/orders/{po['id']}", again)


def _line_again(request: Request, po_id: str, form: dict[str, Any], prefix: str) -> Any:
    """The PO page again, each message beside the draft editor's field (`prefix` + name)."""
    def again(messages: dict[str, str]) -> Response:
        named = {(k if k == "form" else prefix + k.removeprefix("lines[0].")): v
                 for k, v in messages.items()}
        return _po_page(request, po_id, named, form, 422)
    return again


def _po_currency(request: Request, po_id: str) -> str | None:
    try:
        return str(read(request, lambda c: queries.get_purchase_order(c, po_id))["currency"])
    except NotFound:
        return None


@router.post("/purchasing/orders/{po_id}/lines", dependencies=[Depends(check_csrf)])
def add_po_line(request: Request, po_id: str, posted: PostedForm, actor: Writer) -> Response:
    form = clean(posted)
    data = {k: form[f"add-{k}"] for k in _LINE if f"add-{k}" in form}
    return commands.submit(request, PurchaseOrderLineIn, data,
                  lambda c, cmd: drafts.add_line(c, po_id, cmd, actor),
                  f"/purchasing/orders/{po_id}#draft-lines",
                  _line_again(request, po_id, form, "add-"),
                  money={"unit_cost": _po_currency(request, po_id)})


@router.post("/purchasing/orders/{po_id}/lines/{line_id}", dependencies=[Depends(check_csrf)])
def update_po_line(request: Request, po_id: str, line_id: str, posted: PostedForm,
                   actor: Writer) -> Response:
    form = clean(posted)
    prefix = f"edit-{line_id}-"
    data = {k: form[prefix + k] for k in ("quantity", "unit_cost") if prefix + k in form}
    return commands.submit(request, PurchaseOrderLineUpdate, data,
                  lambda c, cmd: drafts.update_line(c, po_id, line_id, cmd, actor),
                  f"/purchasing/orders/{po_id}#draft-lines",
                  _line_again(request, po_id, form, prefix),
                  money={"unit_cost": _po_currency(request, po_id)})


@router.post("/purchasing/orders/{po_id}/lines/{line_id}/remove",
             dependencies=[Depends(check_csrf)])
def remove_po_line(request: Request, po_id: str, line_id: str, actor: Writer) -> Response:
    return act(request, lambda c: drafts.remove_line(c, po_id, line_id, actor),
               f"/purchasing/orders/{po_id}#draft-lines",
               _line_again(request, po_id, {}, f"edit-{line_id}-"))
