from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from pesanan.api import commands, exports
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.auth.roles import allows, event_permission
from pesanan.core.actor import Actor
from pesanan.core.schema import ShopFilter
from pesanan.flows import cancel as cancel_flow
from pesanan.flows import place_order as place_flow
from pesanan.orders import queries
from pesanan.orders.schemas import CancelOrder, PlaceOrder
from pesanan.shop import service as shop

router = APIRouter(prefix="/orders", tags=["orders"])
Reader = Annotated[Actor, Depends(require("orders:read"))]
WRITE = "orders:write"
Writer = Annotated[Actor, Depends(require(WRITE))]


@router.post("", status_code=201, response_model=out.OrderOut)
async def place_order(body: PlaceOrder, request: Request, actor: Writer) -> Response:
    # The ordinary request is served by api/lane.py, which calls `place` the same way.
    return await place(request, body, actor)


async def place(request: Request, body: PlaceOrder, actor: Actor) -> Response:
    # async + run_async: the busiest endpoint takes one thread hand-off, not one per dependency.
    return await commands.run_async(
        request, actor, lambda c: place_flow.place_order(c, body, actor), body=body,
        status_code=201, location=lambda r: f"/api/v1/orders/{r['id']}")


CSV_COLUMNS = exports.columns(
    "id", "number", "placed_at", "channel", "customer_id", "status", "financial_status",
    "fulfillment_status", "currency", "subtotal", "tax_total", "total", "amount_invoiced",
    "amount_paid", "amount_refunded", "balance_due", "updated_at")


@router.get("", response_model=dict[str, Any], responses=exports.CSV_BODY)
def list_orders(
    request: Request, conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
    status: Literal["open", "on_hold", "completed", "cancelled"] | None = None,
    financial_status: str | None = None, fulfillment_status: str | None = None,
    channel: Literal["web", "pos", "phone"] | None = None, customer_id: str | None = None,
    created_at_min: ShopFilter | None = None, created_at_max: ShopFilter | None = None,
) -> dict[str, Any] | Response:
    """A page of orders, or with `Accept: text/csv` every matching order as CSV
    (pesanan.api.exports). A date or a time without an offset is the shop's time."""
    since = shop.in_utc(conn, created_at_min=created_at_min, created_at_max=created_at_max)
    created_at_min, created_at_max = since["created_at_min"], since["created_at_max"]
    def fetch(c: Connection, after: str | None, n: int) -> dict[str, Any]:
        return queries.list_orders(
            c, limit=n, cursor=after, status=status, financial_status=financial_status,
            fulfillment_status=fulfillment_status, channel=channel, customer_id=customer_id,
            created_at_min=created_at_min, created_at_max=created_at_max)

    if exports.wants_csv(request):
        return exports.csv_response(request, "orders", CSV_COLUMNS, fetch)
    return fetch(conn, cursor, limit)


@router.get("/{order_id}")
def get_order(order_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_order(conn, order_id)


@router.get("/{order_id}/timeline")
def timeline(order_id: str, conn: ReadConn, actor: Reader) -> dict[str, Any]:
    """The order's history; an entry about an invoice, payment or refund only for a role that
    may read those (the event table in auth/roles.py, as for GET /events)."""
    result = queries.timeline(conn, order_id)
    result["items"] = [e for e in result["items"]
                       if allows(actor.role, event_permission(e["kind"]) or "orders:read")]
    return result


@router.post("/{order_id}/cancel", response_model=out.OrderOut)
def cancel_order(order_id: str, request: Request, actor: Writer,
                 body: CancelOrder | None = None) -> Response:
    cmd = body or CancelOrder()
    return commands.run(request, actor, lambda c: cancel_flow.cancel_order(c, order_id, cmd, actor),
                        body=cmd)
