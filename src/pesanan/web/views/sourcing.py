"""Console: sourcing settings (location region/country/channels, safety stock), a dry-run plan
form, and the backorder list — under Inventory."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.flows import backorders, sourcing
from pesanan.inventory import queries as inventory
from pesanan.inventory import settings
from pesanan.inventory.schemas import LocationUpdate, StockSettings
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("inventory:read"))]
Writer = Annotated[Actor, Depends(page("inventory:write"))]
CHANNELS = ("web", "pos", "phone")


def _settings(conn: Connection) -> dict[str, Any]:
    return {"locations": inventory.list_locations(conn, limit=250)["items"],
            "safety": settings.safety_stock_of(conn), "channels": CHANNELS}


def _page(request: Request, status: int = 200, **extra: Any) -> Response:
    context: dict[str, Any] = {"errors": {}, "failed": None, "form": {}, "plan": None}
    context.update(extra)
    return render(request, "sourcing/settings.html", status, **read(request, _settings),
                  **context)


@router.get("/inventory/sourcing")
def settings_page(request: Request, _: Viewer) -> Response:
    return _page(request)


@router.post("/inventory/sourcing/locations/{location_id}",
             dependencies=[Depends(check_csrf)])
def update_location(request: Request, posted: PostedForm, location_id: str, _: Writer
                    ) -> Response:
    data = clean(posted)
    fields: dict[str, Any] = {
        "region": data.get("region"), "country": (data.get("country") or "").upper() or None,
        "channels": [c for c in CHANNELS if posted.get(f"channel_{c}")] or None}
    cmd, errors = parse(LocationUpdate, fields)
    if cmd is None:
        return _page(request, 422, errors=errors, failed=location_id)
    try:
        execute(request, lambda c: settings.update_location(c, location_id, cmd))
    except DomainError as e:
        return _page(request, 422, errors=domain_errors(e), failed=location_id)
    return RedirectResponse("/inventory/sourcing", status_code=303)


@router.post("/inventory/sourcing/safety-stock", dependencies=[Depends(check_csrf)])
def safety_stock(request: Request, posted: PostedForm, _: Writer) -> Response:
    data = clean(posted)
    cmd, errors = parse(StockSettings, data)
    if cmd is None:
        return _page(request, 422, errors=errors, failed="safety", form=data)
    try:
        execute(request, lambda c: settings.set_stock_settings(c, cmd))
    except DomainError as e:
        return _page(request, 422, errors=domain_errors(e), failed="safety", form=data)
    return RedirectResponse("/inventory/sourcing", status_code=303)


def _plan_lines(text: str) -> list[dict[str, Any]]:
    """"SKU:QTY" (or "SKU QTY") per line or comma."""
    out = []
    for raw in text.replace(",", "\n").splitlines():
        line = raw.strip()
        if line:
            sku, _, qty = line.rpartition(":" if ":" in line else " ")
            out.append({"sku": sku.strip() or line, "quantity": qty.strip() or "0"})
    return out


@router.post("/inventory/sourcing/plan", dependencies=[Depends(check_csrf)])
def plan(request: Request, posted: PostedForm, _: Viewer) -> Response:
    """Dry run from the console: nothing is reserved or written."""
    data = clean(posted)
    body: dict[str, Any] = {"lines": _plan_lines(data.get("lines", "")),
                            "channel": data.get("channel", "web")}
    if data.get("country"):
        body["ship_to"] = {"country": data["country"].upper(), "region": data.get("region")}
    cmd, errors = parse(sourcing.PlanRequest, body)
    if cmd is None:
        return _page(request, 422, errors=errors, failed="plan", form=data)
    try:
        result = read(request, lambda c: sourcing.dry_run(c, cmd))
    except DomainError as e:
        return _page(request, 422, errors=domain_errors(e), failed="plan", form=data)
    return _page(request, plan=result, form=data)


@router.get("/inventory/backorders")
def backorder_list(request: Request, _: Viewer, status: str | None = "open",
                   cursor: str | None = None) -> Response:
    result = read(request, lambda c: backorders.list_backorders(
        c, status=status or None, limit=50, cursor=cursor))
    return render(request, "sourcing/backorders.html", result=result, status=status or "")
