"""Sourcing plans (dry run), sourcing settings of locations and stock levels, backorders."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.flows import backorders, sourcing
from pesanan.inventory import settings
from pesanan.inventory.schemas import LocationUpdate, StockSettings

router = APIRouter(tags=["sourcing"])
Reader = Annotated[Actor, Depends(require("inventory:read"))]
Writer = Annotated[Actor, Depends(require("inventory:write"))]


@router.post("/sourcing/plans")
def plan(body: sourcing.PlanRequest, conn: ReadConn, _: Reader) -> dict[str, Any]:
    """Dry run: the plan an order with these lines would get, with reasons. Reserves and writes
    nothing (so it needs no Idempotency-Key: repeating it is harmless)."""
    return sourcing.dry_run(conn, body)


@router.patch("/locations/{location_id}", response_model=out.LocationOut)
def update_location(location_id: str, body: LocationUpdate, request: Request, actor: Writer
                    ) -> Response:
    return commands.run(request, actor,
                        lambda c: settings.update_location(c, location_id, body), body=body)


@router.post("/inventory/settings", response_model=out.SourcingSettingsOut)
def stock_settings(body: StockSettings, request: Request, actor: Writer) -> Response:
    """Set the safety stock of a SKU at a location (units sourcing never plans)."""
    return commands.run(request, actor, lambda c: settings.set_stock_settings(c, body),
                        body=body)


@router.get("/backorders")
def list_backorders(conn: ReadConn, _: Reader, status: str | None = None,
                    sku: str | None = None, order_id: str | None = None,
                    product_id: str | None = None, limit: int = 50, cursor: str | None = None
                    ) -> dict[str, Any]:
    return backorders.list_backorders(conn, status=status, sku=sku, order_id=order_id,
                                      product_id=product_id, limit=limit, cursor=cursor)
