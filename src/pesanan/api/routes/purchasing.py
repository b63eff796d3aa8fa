from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.flows import receiving
from pesanan.purchasing import drafts, queries, service
from pesanan.purchasing.schemas import (
    CancelPurchaseOrder,
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    PurchaseOrderLineUpdate,
    ReceivePurchaseOrder,
    ReorderRuleSet,
    Replenish,
    SupplierCreate,
    SupplierOfferCreate,
)

router = APIRouter(tags=["purchasing"])
Reader = Annotated[Actor, Depends(require("purchasing:read"))]
Writer = Annotated[Actor, Depends(require("purchasing:write"))]
POStatusParam = Literal["draft", "ordered", "partially_received", "received", "cancelled"]


# --- suppliers and offers ----------------------------------------------------------------------

@router.post("/suppliers", status_code=201, response_model=out.SupplierOut)
def create_supplier(body: SupplierCreate, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: service.create_supplier(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/suppliers/{r['id']}")


@router.get("/suppliers")
def list_suppliers(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None
                   ) -> dict[str, Any]:
    return queries.list_suppliers(conn, limit=limit, cursor=cursor)


@router.get("/suppliers/{supplier_id}")
def get_supplier(supplier_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_supplier(conn, supplier_id)


@router.post("/supplier-offers", status_code=201, response_model=out.SupplierOfferOut)
def create_offer(body: SupplierOfferCreate, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: service.create_offer(c, body), body=body,
                        status_code=201,
                        location=lambda r: f"/api/v1/supplier-offers/{r['id']}")


@router.get("/supplier-offers")
def list_offers(conn: ReadConn, _: Reader, sku: str | None = None,
                supplier_id: str | None = None, limit: int = 50, cursor: str | None = None
                ) -> dict[str, Any]:
    return queries.list_offers(conn, sku=sku, supplier_id=supplier_id, limit=limit,
                               cursor=cursor)


@router.get("/supplier-offers/{offer_id}")
def get_offer(offer_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_offer(conn, offer_id)


# --- reorder rules -----------------------------------------------------------------------------

@router.put("/reorder-rules", response_model=out.ReorderRuleOut)
def put_reorder_rule(body: ReorderRuleSet, request: Request, actor: Writer) -> Response:
    """Create or replace the rule for the body's (sku, location_id)."""
    return commands.run(request, actor, lambda c: service.set_reorder_rule(c, body), body=body)


@router.post("/reorder-rules", response_model=out.ReorderRuleOut)
def post_reorder_rule(body: ReorderRuleSet, request: Request, actor: Writer) -> Response:
    """The same create-or-replace as PUT, for clients that only POST."""
    return commands.run(request, actor, lambda c: service.set_reorder_rule(c, body), body=body)


@router.get("/reorder-rules")
def list_reorder_rules(conn: ReadConn, _: Reader, sku: str | None = None,
                       location_id: str | None = None, limit: int = 50,
                       cursor: str | None = None) -> dict[str, Any]:
    return queries.list_rules(conn, sku=sku, location_id=location_id, limit=limit,
                              cursor=cursor)


# --- purchase orders ---------------------------------------------------------------------------

@router.post("/purchase-orders", status_code=201, response_model=out.PurchaseOrderOut)
def create_purchase_order(body: PurchaseOrderCreate, request: Request, actor: Writer
                          ) -> Response:
    return commands.run(request, actor,
                        lambda c: service.create_purchase_order(c, body, actor), body=body,
                        status_code=201,
                        location=lambda r: f"/api/v1/purchase-orders/{r['id']}")


@router.post("/purchase-orders/replenish", response_model=out.ReplenishOut)
def replenish(request: Request, actor: Writer, body: Replenish | None = None) -> Response:
    """Draft purchase orders for everything below its reorder point (at `location_id` only,
    when given; an unknown location is 422 and drafts nothing)."""
    cmd = body or Replenish()
    return commands.run(request, actor, lambda c: service.replenish(c, actor, cmd), body=cmd)


@router.get("/purchase-orders")
def list_purchase_orders(
    conn: ReadConn, _: Reader, status: POStatusParam | None = None,
    supplier_id: str | None = None, location_id: str | None = None, limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    return queries.list_purchase_orders(conn, status=status, supplier_id=supplier_id,
                                        location_id=location_id, limit=limit, cursor=cursor)


@router.get("/purchase-orders/{po_id}")
def get_purchase_order(po_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_purchase_order(conn, po_id)


@router.post("/purchase-orders/{po_id}/receipts", response_model=out.PurchaseOrderOut)
def receive_purchase_order(po_id: str, request: Request, actor: Writer,
                           body: ReceivePurchaseOrder | None = None) -> Response:
    """Receive the given lines, or everything outstanding when there are none."""
    cmd = body or ReceivePurchaseOrder()
    return commands.run(request, actor,
                        lambda c: receiving.receive_purchase_order(c, po_id, cmd, actor), body=cmd)


@router.post("/purchase-orders/{po_id}/submit", response_model=out.PurchaseOrderOut)
def submit_purchase_order(po_id: str, request: Request, actor: Writer) -> Response:
    """Mark a draft as sent to the supplier (draft -> ordered)."""
    return commands.run(request, actor,
                        lambda c: service.submit_purchase_order(c, po_id, actor))


@router.post("/purchase-orders/{po_id}/cancel", response_model=out.PurchaseOrderOut)
def cancel_purchase_order(po_id: str, request: Request, actor: Writer,
                          body: CancelPurchaseOrder | None = None) -> Response:
    cmd = body or CancelPurchaseOrder()
    return commands.run(request, actor,
                        lambda c: service.cancel_purchase_order(c, po_id, cmd, actor), body=cmd)


# --- a draft's lines (purchasing/drafts.py) ----------------------------------------------------

@router.post("/purchase-orders/{po_id}/lines", status_code=201,
             response_model=out.PurchaseOrderOut)
def add_purchase_order_line(po_id: str, body: PurchaseOrderLineIn, request: Request,
                            actor: Writer) -> Response:
    """Add a SKU to a draft (unit cost defaults to the supplier's offer); answers the order."""
    return commands.run(request, actor, lambda c: drafts.add_line(c, po_id, body, actor),
                        body=body, status_code=201)


@router.patch("/purchase-orders/{po_id}/lines/{line_id}", response_model=out.PurchaseOrderOut)
def update_purchase_order_line(po_id: str, line_id: str, body: PurchaseOrderLineUpdate,
                               request: Request, actor: Writer) -> Response:
    return commands.run(request, actor,
                        lambda c: drafts.update_line(c, po_id, line_id, body, actor), body=body)


@router.delete("/purchase-orders/{po_id}/lines/{line_id}", response_model=out.PurchaseOrderOut)
def remove_purchase_order_line(po_id: str, line_id: str, request: Request, actor: Writer
                               ) -> Response:
    """A draft keeps at least one line (409 for the last: cancel the order instead)."""
    return commands.run(request, actor, lambda c: drafts.remove_line(c, po_id, line_id, actor))
