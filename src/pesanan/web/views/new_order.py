"""New order for the phone and POS channels: find or create the customer, search products with
live stock, build the cart, place.

The cart lives only in the form's own inputs (`sku` / `quantity` pairs): every HTMX call sends
the whole form and gets the cart back priced, so there is no server-side cart to go stale or
leak between tabs. Prices and totals come from orders.pricing, the rules place_order uses.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData, ImmutableMultiDict
from starlette.responses import RedirectResponse, Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound
from pesanan.core.money import fmt
from pesanan.core.schema import MAX_QUANTITY, ascii_int
from pesanan.customers.schemas import CustomerCreate
from pesanan.flows import customer_profile as customers
from pesanan.flows import place_order as place_flow
from pesanan.flows.availability import CatalogItem, read_catalog_and_stock
from pesanan.inventory import queries as inventory
from pesanan.orders.pricing import price_line, totals
from pesanan.orders.schemas import PlaceOrder
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse

router = APIRouter()
Writer = Annotated[Actor, Depends(page("orders:write"))]
CustomerWriter = Annotated[Actor, Depends(page("customers:write"))]
CHANNELS = ("phone", "pos")
MATCHES = 8
HISTORY = 3
Pairs = list[tuple[str, str]]
Params = ImmutableMultiDict[str, Any] | FormData


# --- reading the form -------------------------------------------------------------------------

def _pairs(params: Params) -> Pairs:
    """The cart as (sku, quantity as typed), in the order the lines were added."""
    skus, qtys = params.getlist("sku"), params.getlist("quantity")
    return [(str(s).strip(), str(q).strip()) for s, q in zip(skus, qtys, strict=False)
            if str(s).strip()]


def _whole(raw: str) -> int | None:
    # ASCII digits, at most what an order line takes: a quantity of 10**40 would overflow
    # the price arithmetic of the preview before the order's own check could refuse it.
    n = ascii_int(raw.strip())
    return n if n is not None and 0 < n <= MAX_QUANTITY else None


def _edit(pairs: Pairs, add: str | None, remove: str | None) -> Pairs:
    """Adding a SKU already in the cart raises its quantity instead of adding a second line."""
    out = [(s, q) for s, q in pairs if s != remove]
    if add:
        for i, (sku, qty) in enumerate(out):
            if sku == add:
                out[i] = (sku, str((_whole(qty) or 0) + 1))
                return out
        out.append((add, "1"))
    return out


# --- building what the templates show ----------------------------------------------------------

def _line(i: int, sku: str, raw: str, item: CatalogItem | None, errors: dict[str, str]
          ) -> dict[str, Any]:
    line: dict[str, Any] = {"index": i, "sku": sku, "quantity": raw, "name": "",
                            "error": None, "hint": None, "priced": None}
    if item is not None:
        line.update(name=item.name, available=sum(item.available.values()),
                    unit_price=fmt(item.price, item.currency), currency=item.currency)
    # What the service said about this line (after a failed place) comes first.
    line["error"] = errors.get(f"lines[{i}].quantity") or errors.get(f"lines[{i}].sku")
    return line


def _unpriceable(item: CatalogItem | None, sku: str, qty: int | None, currency: str | None
                 ) -> str | None:
    if item is None:
        return f"No product with SKU {sku}"
    if qty is None:
        return "Enter a whole number of 1 or more"
    if item.currency != currency:
        return f"Priced in {item.currency}; this order is in {currency}"
    return None


def price_cart(conn: Connection, pairs: Pairs, errors: dict[str, str]) -> dict[str, Any]:
    catalog = read_catalog_and_stock(conn, sorted({s for s, _ in pairs}))
    lines, priced, currency = [], [], None
    for i, (sku, raw) in enumerate(pairs):
        item, qty = catalog.get(sku), _whole(raw)
        line = _line(i, sku, raw, item, errors)
        lines.append(line)
        currency = currency or (item.currency if item is not None else None)
        problem = _unpriceable(item, sku, qty, currency)
        if problem or item is None or qty is None or currency is None:
            line["error"] = line["error"] or problem
            continue
        p = price_line(item.price, qty, item.tax_rate, currency)
        priced.append(p)
        line["priced"] = {"tax": fmt(p.tax, currency), "total": fmt(p.total, currency)}
        if qty > line["available"] and not line["error"]:
            line["hint"] = f"Only {line['available']} available"
    sums = totals(priced)
    return {"lines": lines, "currency": currency,
            "subtotal": fmt(sums.subtotal, currency) if currency else "0.00",
            "tax_total": fmt(sums.tax_total, currency) if currency else "0.00",
            "total": fmt(sums.total, currency) if currency else "0.00"}


def default_location(locations: list[dict[str, Any]], channel: str) -> str | None:
    """A POS sale is rung up in a store; a phone order is taken at the warehouse desk."""
    want = "store" if channel == "pos" else "warehouse"
    for loc in locations:
        if loc["kind"] == want:
            return str(loc["id"])
    return str(locations[0]["id"]) if locations else None


def _customer(conn: Connection, customer_id: str | None, errors: dict[str, str]
              ) -> dict[str, Any] | None:
    if not customer_id:
        return None
    try:
        return customers.get_customer(conn, customer_id, history=HISTORY)
    except NotFound:
        errors.setdefault("customer_id", "That customer no longer exists: find another")
        return None


def _text(params: Params, name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def _page(conn: Connection, params: Params, errors: dict[str, str]) -> dict[str, Any]:
    channel = _text(params, "channel")
    channel = channel if channel in CHANNELS else "phone"
    locations = inventory.list_locations(conn, limit=250)["items"]
    return {
        "channel": channel, "locations": locations,
        "location_id": _text(params, "keyed_at_location_id")
        or default_location(locations, channel),
        "customer": _customer(conn, _text(params, "customer_id"), errors),
        "cart": price_cart(conn, _pairs(params), errors), "errors": errors, "nc": {},
    }


# --- pages and partials ------------------------------------------------------------------------

@router.get("/orders/new")
def new_order(request: Request, _: Writer) -> Response:
    ctx = read(request, lambda c: _page(c, request.query_params, {}))
    return render(request, "new_order/page.html", **ctx)


@router.get("/orders/new/keyed-at")
def keyed_at(request: Request, _: Writer, channel: str = "phone") -> Response:
    locations = read(request, lambda c: inventory.list_locations(c, limit=250)["items"])
    return render(request, "new_order/_keyed_at.html", locations=locations, errors={},
                  location_id=default_location(locations, channel))


@router.get("/orders/new/customers")
def find_customers(request: Request, _: Writer, customer_q: str = "") -> Response:
    q = customer_q.strip()
    found = read(request, lambda c: customers.list_customers(c, limit=MATCHES, q=q))["items"] \
        if q else []
    return render(request, "new_order/_customer_matches.html", matches=found, q=q)


@router.get("/orders/new/customer")
def choose_customer(request: Request, _: Writer, customer_id: str = "") -> Response:
    errors: dict[str, str] = {}
    customer = read(request, lambda c: _customer(c, customer_id, errors))
    return render(request, "new_order/_customer.html", customer=customer, errors=errors, nc={})


def _new_customer_input(form: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: form[k] for k in ("name", "email", "phone", "payment_preference")
                            if k in form}
    address = {k: form[f"address_{k}"] for k in ("line1", "city", "postal_code", "country")
               if f"address_{k}" in form}
    if address:
        if "country" in address:
            address["country"] = str(address["country"]).upper()
        data["addresses"] = [address]
    return data


def _plain(errors: dict[str, str]) -> dict[str, str]:
    """Schema messages a person at a counter can act on."""
    out = {}
    for field, msg in errors.items():
        if field.startswith("addresses[0].") and msg == "Field required":
            msg = "Needed when an address is given"
        elif field == "addresses[0].country":
            msg = "Two letters, such as ID or SG"
        elif msg.startswith("value is not a valid email address: "):
            msg = "Not a valid email address. " + msg.split(": ", 1)[1]
        out[field] = msg
    return out


@router.post("/orders/new/customer", dependencies=[Depends(check_csrf)])
def create_customer(request: Request, posted: PostedForm, _: CustomerWriter) -> Response:
    form = clean(posted)
    cmd, errors = parse(CustomerCreate, _new_customer_input(form))
    errors = _plain(errors)
    if cmd is not None:
        try:
            made = execute(request, lambda c: customers.create_customer(c, cmd))
        except DomainError as e:
            errors = domain_errors(e)
        else:
            return render(request, "new_order/_customer.html", customer=made, created=True,
                          errors={}, nc={})
    errors.setdefault("form", "The customer was not saved. Check the marked fields.")
    return render(request, "new_order/_customer.html", 422, customer=None, errors=errors,
                  nc=form, creating=True)


@router.get("/orders/new/products")
def find_products(request: Request, _: Writer, product_q: str = "") -> Response:
    q = product_q.strip()
    found = read(request, lambda c: inventory.search_with_availability(c, q, MATCHES))
    return render(request, "new_order/_product_matches.html", matches=found, q=q)


@router.get("/orders/new/cart")
def cart(request: Request, _: Writer, add: str | None = None, remove: str | None = None
         ) -> Response:
    pairs = _edit(_pairs(request.query_params), add, remove)
    priced = read(request, lambda c: price_cart(c, pairs, {}))
    return render(request, "new_order/_cart.html", cart=priced, errors={})


# --- placing -----------------------------------------------------------------------------------

def _command(form: FormData, actor: Actor) -> tuple[PlaceOrder | None, dict[str, str]]:
    pairs = _pairs(form)
    cmd, errors = parse(PlaceOrder, {
        "channel": form.get("channel"), "customer_id": form.get("customer_id") or "",
        "keyed_by": actor.name, "keyed_at_location_id": form.get("keyed_at_location_id") or None,
        "lines": [{"sku": s, "quantity": q} for s, q in pairs],
    })
    # Say what to do, not what the schema checked.
    if not form.get("customer_id"):
        errors["customer_id"] = "Find or create the customer first."
    if not pairs:
        errors["lines"] = "Add at least one product."
    for i, (_, qty) in enumerate(pairs):
        if _whole(qty) is None:
            errors[f"lines[{i}].quantity"] = "Enter a whole number of 1 or more"
    if form.get("channel") not in CHANNELS:
        errors["channel"] = "Choose phone or POS."
    if not form.get("keyed_at_location_id"):
        errors["keyed_at_location_id"] = "Choose where the order is keyed."
    errors.pop("form", None)
    return (cmd if not errors else None), errors


@router.post("/orders/new", dependencies=[Depends(check_csrf)])
def place(request: Request, posted: PostedForm, actor: Writer) -> Response:
    form = posted
    cmd, errors = _command(form, actor)
    if cmd is not None:
        try:
            order = execute(request, lambda c: place_flow.place_order(c, cmd, actor))
        except DomainError as e:
            errors = {**domain_errors(e), "form": f"The order was not placed. {e.detail}"}
        else:
            return RedirectResponse(f"/orders/{order['id']}", status_code=303)
    errors.setdefault("form", "The order was not placed. Check the marked fields.")
    ctx = read(request, lambda c: _page(c, form, errors))
    return render(request, "new_order/page.html", 422, **ctx)
