from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.fulfillment import queries, service
from pesanan.fulfillment.schemas import CreateShipment

router = APIRouter(tags=["fulfillment"])
Reader = Annotated[Actor, Depends(require("fulfillment:read"))]
Writer = Annotated[Actor, Depends(require("fulfillment:write"))]


@router.post("/orders/{order_id}/shipments", status_code=201)
def ship_order(order_id: str, body: CreateShipment, request: Request, actor: Writer
               ) -> Response:
    """Ship an order. Answers `{"items": [shipment, ...]}`: one shipment per location the
    goods were reserved at (usually one); `Location` names the first."""
    return commands.run(
        request, actor, lambda c: service.ship_order(c, order_id, body, actor), body=body,
        status_code=201, location=lambda r: f"/api/v1/shipments/{r['items'][0]['id']}")


@router.get("/orders/{order_id}/shipments")
def order_shipments(order_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.order_shipments(conn, order_id)


@router.get("/shipments")
def list_shipments(
    conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
    order_id: str | None = None, status: Literal["shipped", "delivered"] | None = None,
    created_at_min: datetime | None = None, created_at_max: datetime | None = None,
) -> dict[str, Any]:
    return queries.list_shipments(conn, limit=limit, cursor=cursor, order_id=order_id,
                                  status=status, created_at_min=created_at_min,
                                  created_at_max=created_at_max)


@router.get("/shipments/{shipment_id}")
def get_shipment(shipment_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_shipment(conn, shipment_id)


@router.post("/shipments/{shipment_id}/deliver")
def deliver_shipment(shipment_id: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor,
                        lambda c: service.deliver_shipment(c, shipment_id, actor))
