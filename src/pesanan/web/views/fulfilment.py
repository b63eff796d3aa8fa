"""Console: the fulfilment queue per location, a fulfilment order with its pick list (printable)
and pack/ship forms, carriers, and the fulfilment section of the order page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from pesanan.auth.roles import allows
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound
from pesanan.fulfillment import carriers, dispatch, fo_queries, service, work
from pesanan.fulfillment import status as fst
from pesanan.fulfillment.schemas import CarrierCreate, FailDelivery, ShipFulfilmentOrder
from pesanan.inventory import queries as inventory_q
from pesanan.orders import queries as orders_q
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse
from pesanan.web.listing import csv_export, field, wants_csv
from pesanan.web.views.inventory import EMPTY, friendly, next_url

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("fulfillment:read"))]
Writer = Annotated[Actor, Depends(page("fulfillment:write"))]
STATUSES = [s.value for s in fst.FOStatus]
# The queue keeps its order (newest first): a picker works it, nobody sorts it.
CSV_COLUMNS = (field("number"), field("order_number"), field("location_code"), field("status"),
               field("units"), field("units_shipped"), field("created_at", "created_at_utc"),
               field("updated_at", "updated_at_utc"))


def _locations(conn: Connection) -> list[dict[str, Any]]:
    return list(inventory_q.list_locations(conn, limit=250)["items"])


@router.get("/fulfilment")
def queue(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    """The queue: a location's fulfilment orders, work to do first by default (status open)."""
    f = {k: request.query_params.get(k) or None for k in ("location_id", "status")}
    if f["status"] not in STATUSES:
        f["status"] = None
    if wants_csv(request):
        return csv_export(request, "fulfilment", CSV_COLUMNS, lambda c, after, n: (
            fo_queries.list_fulfilment_orders(c, limit=n, cursor=after, status=f["status"],
                                              location_id=f["location_id"])))
    errors: dict[str, str] = {}
    try:
        fos = read(request, lambda c: fo_queries.list_fulfilment_orders(
            c, limit=50, cursor=cursor, status=f["status"], location_id=f["location_id"]))
    except DomainError as e:  # a stale or forged cursor
        fos, errors = EMPTY, domain_errors(e)
    return render(request, "fulfilment/queue.html", fos=fos, f=f, errors=errors,
                  statuses=STATUSES, locations=read(request, _locations),
                  more=next_url("/fulfilment", {**f, "cursor": fos["next_cursor"]}))


def _detail(conn: Connection, fo_id: str, detail: bool) -> dict[str, Any]:
    fo = fo_queries.get_fulfilment_order(conn, fo_id)
    status = fst.FOStatus(fo["status"])
    # Why a 3PL delivery failed maps the internal network: admins (settings:read) only.
    sends = ([{**d, "tries": dispatch.list_attempts(conn, d["id"], detail=detail)}
              for d in dispatch.list_dispatches(conn, fo_id, detail=detail)]
             if fo["location_kind"] == "3pl" else [])
    return {"fo": fo, "dispatches": sends,
            "carriers": carriers.list_carriers(conn, limit=250)["items"],
            "steps": [s for s, (allowed, _) in fst.STEPS.items() if status in allowed],
            "can_ship": fst.can_ship(status) and any(x["quantity_remaining"] for x in fo["lines"]),
            "order": orders_q.get_order(conn, fo["order_id"])}


def _fo_page(request: Request, fo_id: str, errors: dict[str, str], form: dict[str, Any],
             status: int = 200) -> Response:
    try:
        user = request.state.user
        ctx = read(request, lambda c: _detail(c, fo_id, allows(user.role, "settings:read")))
    except NotFound:
        return render(request, "error.html", 404, title="Fulfilment order not found",
                      message="There is no such fulfilment order. It may have been mistyped.")
    return render(request, "fulfilment/detail.html", status, **ctx, errors=errors, form=form)


@router.get("/fulfilment/carriers")
def carriers_page(request: Request, _: Viewer) -> Response:
    return _carriers_page(request, {}, {})


def _carriers_page(request: Request, errors: dict[str, str], form: dict[str, Any],
                   status: int = 200) -> Response:
    items = read(request, lambda c: carriers.list_carriers(c, limit=250))["items"]
    return render(request, "fulfilment/carriers.html", status, carriers=items, errors=errors,
                  form=form)


@router.post("/fulfilment/carriers", dependencies=[Depends(check_csrf)])
def add_carrier(request: Request, posted: PostedForm, _: Writer) -> Response:
    form = clean(posted)
    cmd, errors = parse(CarrierCreate, form)
    if cmd is None:
        return _carriers_page(request, friendly(errors), form, 422)
    try:
        execute(request, lambda c: carriers.create_carrier(c, cmd))
    except DomainError as e:
        return _carriers_page(request, domain_errors(e), form, 422)
    return RedirectResponse("/fulfilment/carriers", status_code=303)


@router.get("/fulfilment/{fo_id}")
def detail(request: Request, fo_id: str, _: Viewer) -> Response:
    return _fo_page(request, fo_id, {}, {})


@router.get("/fulfilment/{fo_id}/pick-list")
def pick_list(request: Request, fo_id: str, _: Viewer) -> Response:
    try:
        pl = read(request, lambda c: fo_queries.pick_list(c, fo_id))
    except NotFound:
        return render(request, "error.html", 404, title="Fulfilment order not found",
                      message="There is no such fulfilment order.")
    return render(request, "fulfilment/pick_list.html", pl=pl)


@router.post("/fulfilment/{fo_id}/step/{name}", dependencies=[Depends(check_csrf)])
def step(request: Request, fo_id: str, name: str, actor: Writer) -> Response:
    if name not in fst.STEPS:
        return _fo_page(request, fo_id, {"form": "Unknown step."}, {}, 422)
    try:
        execute(request, lambda c: work.step(c, fo_id, name, actor))
    except NotFound:
        return _fo_page(request, fo_id, {}, {}, 404)
    except DomainError as e:
        return _fo_page(request, fo_id, domain_errors(e), {}, 422)
    return RedirectResponse(f"/fulfilment/{fo_id}", status_code=303)


def _ship_lines(form: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, dict[str, str]]:
    """Per-line quantities typed in `qty-<order line id>`; all blank means ship everything."""
    lines: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for key, value in form.items():
        if not key.startswith("qty-"):
            continue
        try:
            qty = int(str(value).strip())
        except ValueError:
            errors[key] = "Enter a whole number."
            continue
        if qty < 0:
            errors[key] = "Enter 0 or more."
        elif qty:
            lines.append({"order_line_id": key.removeprefix("qty-"), "quantity": qty})
    return (lines or None), errors


@router.post("/fulfilment/{fo_id}/ship", dependencies=[Depends(check_csrf)])
def ship(request: Request, posted: PostedForm, fo_id: str, actor: Writer) -> Response:
    form = clean(posted)
    lines, errors = _ship_lines(form)
    body = {k: form.get(k) for k in ("carrier", "service", "tracking_number") if form.get(k)}
    cmd, invalid = parse(ShipFulfilmentOrder, {**body, "lines": lines})
    rename = {f"lines[{i}].quantity": f"qty-{x['order_line_id']}"
              for i, x in enumerate(lines or [])}
    errors.update({rename.get(k, k): v for k, v in friendly(invalid).items()})
    if cmd is None or errors:
        return _fo_page(request, fo_id, errors, form, 422)
    try:
        execute(request, lambda c: service.ship_fulfilment_order(c, fo_id, cmd, actor))
    except DomainError as e:
        errs = {rename.get(k, k): v for k, v in domain_errors(e).items()}
        return _fo_page(request, fo_id, errs, form, 404 if isinstance(e, NotFound) else 422)
    return RedirectResponse(f"/fulfilment/{fo_id}", status_code=303)


@router.post("/fulfilment/{fo_id}/shipments/{shipment_id}/{outcome}",
             dependencies=[Depends(check_csrf)])
def delivery(request: Request, posted: PostedForm, fo_id: str, shipment_id: str, outcome: str,
             actor: Writer) -> Response:
    """Record a shipment's delivery, or that delivery failed (with a reason)."""
    form = clean(posted)
    try:
        if outcome == "deliver":
            execute(request, lambda c: service.deliver_shipment(c, shipment_id, actor))
        elif outcome == "fail":
            cmd, _ = parse(FailDelivery, {"reason": form.get("reason", "")})
            if cmd is None:
                return _fo_page(request, fo_id, {"form": "Say why the delivery failed."},
                                form, 422)
            execute(request, lambda c: service.fail_delivery(c, shipment_id, cmd, actor))
        else:
            return _fo_page(request, fo_id, {"form": "Unknown action."}, {}, 422)
    except DomainError as e:
        return _fo_page(request, fo_id, domain_errors(e), form, 422)
    return RedirectResponse(f"/fulfilment/{fo_id}", status_code=303)


@router.get("/orders/{order_id}/fulfilment")
def order_section(request: Request, order_id: str, _: Viewer) -> Response:
    """The order page's lazily loaded fulfilment section."""
    fos = read(request, lambda c: fo_queries.order_fulfilment(c, order_id))
    return render(request, "fulfilment/_order_section.html", fos=fos, order_id=order_id)
