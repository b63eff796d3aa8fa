from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.inventory import queries, service
from pesanan.inventory.schemas import LocationCreate, StockAdjustment

router = APIRouter(tags=["inventory"])
Reader = Annotated[Actor, Depends(require("inventory:read"))]
Writer = Annotated[Actor, Depends(require("inventory:write"))]


@router.post("/locations", status_code=201)
def create_location(body: LocationCreate, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: service.create_location(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/locations/{r['id']}")


@router.get("/locations")
def list_locations(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None
                   ) -> dict[str, Any]:
    return queries.list_locations(conn, limit=limit, cursor=cursor)


@router.get("/locations/{location_id}")
def get_location(location_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_location(conn, location_id)


@router.get("/inventory")
def stock_levels(conn: ReadConn, _: Reader, sku: str | None = None,
                 location_id: str | None = None, limit: int = 250,
                 cursor: str | None = None) -> dict[str, Any]:
    return queries.stock_levels(conn, sku=sku, location_id=location_id, limit=limit,
                                cursor=cursor)


@router.post("/inventory/adjustments", status_code=201)
def adjust_stock(body: StockAdjustment, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: service.adjust_stock(c, body), body=body,
                        status_code=201)


@router.get("/inventory/movements")
def movements(conn: ReadConn, _: Reader, product_id: str | None = None,
              location_id: str | None = None, limit: int = 50, cursor: str | None = None
              ) -> dict[str, Any]:
    return queries.movements(conn, product_id=product_id, location_id=location_id, limit=limit,
                             cursor=cursor)
