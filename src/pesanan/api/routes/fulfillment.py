from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from pesanan import outbound
from pesanan.api import callback_route, commands
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.auth.roles import allows
from pesanan.core import crypto
from pesanan.core.actor import Actor
from pesanan.core.schema import ShopFilter
from pesanan.flows import shipping
from pesanan.fulfillment import carriers, dispatch, fo_queries, queries, service, tpl, work
from pesanan.fulfillment.schemas import (
    CarrierCreate,
    CarrierUpdate,
    CreateShipment,
    FailDelivery,
    ShipFulfilmentOrder,
    TplEndpointSet,
)
from pesanan.fulfillment.status import FOStatus
from pesanan.orders import queries as orders_q
from pesanan.shop import service as shop

router = APIRouter(tags=["fulfillment"])
Reader = Annotated[Actor, Depends(require("fulfillment:read"))]
Writer = Annotated[Actor, Depends(require("fulfillment:write"))]
# A 3PL's shared secret is a setting: the admin's alone.
Admin = Annotated[Actor, Depends(require("settings:write"))]
# Where a 3PL is reached is configuration too (its tpl_endpoint events need the same).
SettingsReader = Annotated[Actor, Depends(require("settings:read"))]


@router.post("/orders/{order_id}/shipments", status_code=201, response_model=out.ShipmentListOut)
def ship_order(order_id: str, body: CreateShipment, request: Request, actor: Writer
               ) -> Response:
    """Ship an order through its fulfilment orders. Answers `{"items": [shipment, ...]}`: one
    shipment per fulfilment order the units come from (one per location the goods were
    reserved at; usually one); `Location` names the first. A held order: 409."""
    return commands.run(
        request, actor, lambda c: shipping.ship_order(c, order_id, body, actor), body=body,
        status_code=201, location=lambda r: f"/api/v1/shipments/{r['items'][0]['id']}")


@router.get("/orders/{order_id}/shipments")
def order_shipments(order_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.order_shipments(conn, order_id)


@router.get("/shipments")
def list_shipments(
    conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
    order_id: str | None = None, status: Literal["shipped", "delivered", "failed"] | None = None,
    created_at_min: ShopFilter | None = None, created_at_max: ShopFilter | None = None,
) -> dict[str, Any]:
    since = shop.in_utc(conn, created_at_min=created_at_min, created_at_max=created_at_max)
    return queries.list_shipments(conn, limit=limit, cursor=cursor, order_id=order_id,
                                  status=status, created_at_min=since["created_at_min"],
                                  created_at_max=since["created_at_max"])


@router.get("/shipments/{shipment_id}")
def get_shipment(shipment_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_shipment(conn, shipment_id)


@router.post("/shipments/{shipment_id}/deliver", response_model=out.ShipmentOut)
def deliver_shipment(shipment_id: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor,
                        lambda c: service.deliver_shipment(c, shipment_id, actor))


@router.post("/shipments/{shipment_id}/fail", response_model=out.ShipmentOut)
def fail_delivery(shipment_id: str, body: FailDelivery, request: Request, actor: Writer
                  ) -> Response:
    """The carrier could not deliver. Stock is not put back (the goods are not on a shelf);
    the shipment may still be delivered later."""
    return commands.run(request, actor,
                        lambda c: service.fail_delivery(c, shipment_id, body, actor), body=body)


# --- fulfilment orders ------------------------------------------------------------------------

@router.get("/fulfilment-orders")
def list_fulfilment_orders(
    conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
    status: FOStatus | None = None, location_id: str | None = None,
    order_id: str | None = None, created_at_min: ShopFilter | None = None,
    created_at_max: ShopFilter | None = None,
) -> dict[str, Any]:
    since = shop.in_utc(conn, created_at_min=created_at_min, created_at_max=created_at_max)
    return fo_queries.list_fulfilment_orders(
        conn, limit=limit, cursor=cursor, status=status.value if status else None,
        location_id=location_id, order_id=order_id, created_at_min=since["created_at_min"],
        created_at_max=since["created_at_max"])


@router.get("/orders/{order_id}/fulfilment-orders")
def order_fulfilment_orders(order_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    orders_q.get_order(conn, order_id)  # 404 for an unknown order
    return {"items": fo_queries.order_fulfilment(conn, order_id), "next_cursor": None}


@router.get("/fulfilment-orders/{fo_id}")
def get_fulfilment_order(fo_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return fo_queries.get_fulfilment_order(conn, fo_id)


@router.get("/fulfilment-orders/{fo_id}/pick-list")
def pick_list(fo_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return fo_queries.pick_list(conn, fo_id)


@router.post("/fulfilment-orders/{fo_id}/shipments", status_code=201,
             response_model=out.ShipmentOut)
def ship_fulfilment_order(fo_id: str, body: ShipFulfilmentOrder, request: Request,
                          actor: Writer) -> Response:
    """Ship (some of) one fulfilment order as one shipment with a known carrier."""
    return commands.run(
        request, actor, lambda c: service.ship_fulfilment_order(c, fo_id, body, actor),
        body=body, status_code=201, location=lambda r: f"/api/v1/shipments/{r['id']}")


# Registered after /shipments: a path parameter would otherwise swallow that route.
@router.post("/fulfilment-orders/{fo_id}/{step}", response_model=out.FulfilmentOrderOut)
def fulfilment_step(fo_id: str, step: Literal["pick", "pack", "unpack"], request: Request,
                    actor: Writer) -> Response:
    """`pick`: open -> picking; `pack`: -> packed; `unpack`: packed -> picking."""
    return commands.run(request, actor, lambda c: work.step(c, fo_id, step, actor))


# --- carriers ---------------------------------------------------------------------------------

@router.post("/carriers", status_code=201, response_model=out.CarrierOut)
def create_carrier(body: CarrierCreate, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: carriers.create_carrier(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/carriers/{r['code']}")


@router.get("/carriers")
def list_carriers(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None
                  ) -> dict[str, Any]:
    return carriers.list_carriers(conn, limit=limit, cursor=cursor)


@router.get("/carriers/{code}")
def get_carrier(code: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return carriers.get_carrier(conn, code)


@router.patch("/carriers/{code}", response_model=out.CarrierOut)
def update_carrier(code: str, body: CarrierUpdate, request: Request, actor: Writer
                   ) -> Response:
    return commands.run(request, actor, lambda c: carriers.update_carrier(c, code, body),
                        body=body)


@router.delete("/carriers/{code}", response_model=out.CarrierOut)
def delete_carrier(code: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: carriers.delete_carrier(c, code))


# --- 3PL --------------------------------------------------------------------------------------

@router.put("/3pl/{location_code}/endpoint", response_model=out.TplEndpointSetOut)
def set_tpl_endpoint(location_code: str, body: TplEndpointSet, request: Request,
                     actor: Admin) -> Response:
    """Set a 3PL location's URL and shared secret. The answer shows the secret — the only
    time it is ever shown (omit `secret` and the server makes one)."""
    settings = request.app.state.container.settings
    return commands.run(request, actor, lambda c: tpl.set_endpoint(
        c, location_code, str(body.url), body.secret, policy=outbound.policy_for(settings),
        box=crypto.box_for(settings)), body=body, replay=tpl.replay_view)


@router.get("/3pl/{location_code}/endpoint")
def get_tpl_endpoint(location_code: str, conn: ReadConn, _: SettingsReader) -> dict[str, Any]:
    return tpl.get_endpoint(conn, location_code)


@router.get("/3pl/dispatches")
def list_tpl_dispatches(conn: ReadConn, actor: Reader, fulfilment_order_id: str | None = None,
                        status: Literal["pending", "sent", "failed", "cancelled"] | None = None
                        ) -> dict[str, Any]:
    """`last_error` and `last_status` say why a delivery failed only to admins (settings:read):
    "connection refused" vs "timed out" would map the internal network for anyone else, who
    sees "delivery failed", the attempts and the next try."""
    return {"items": dispatch.list_dispatches(conn, fulfilment_order_id, status,
                                              detail=allows(actor.role, "settings:read")),
            "next_cursor": None}


@router.get("/3pl/dispatches/{dispatch_id}/attempts")
def list_tpl_dispatch_attempts(dispatch_id: str, conn: ReadConn, actor: Reader
                               ) -> dict[str, Any]:
    """Every attempt to send one dispatch, oldest first: outcome and latency for everyone; the
    HTTP status, error and answer excerpt only for admins (settings:read), as above."""
    return {"items": dispatch.list_attempts(conn, dispatch_id,
                                            detail=allows(actor.role, "settings:read")),
            "next_cursor": None}


@router.post("/3pl/{location_code}/callbacks", response_model=out.TplCallbackOut)
async def tpl_callback(location_code: str, request: Request) -> Response:
    """A 3PL reports shipments and deliveries. No API key: the HMAC signature over
    `<X-Pesanan-Timestamp>.<body>` in `X-Pesanan-Signature` authenticates it (401 when missing,
    wrong or older than 5 minutes). The same `event_id` again answers the first result."""
    body = await request.body()
    return await run_in_threadpool(callback_route.receive, request, location_code, body)
