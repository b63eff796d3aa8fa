"""Returns (RMA), credit notes and refunds.

Permissions: each step its own (auth/roles.py): customer service requests, decides and
exchanges (an exchange places an order), the warehouse receives (restocks), accounts refund.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.billing import queries as billing_q
from pesanan.core.actor import Actor
from pesanan.core.schema import ShopFilter
from pesanan.flows.exchange import exchange_return
from pesanan.returns import queries, service
from pesanan.returns.schemas import (
    Decide,
    ExchangeReturn,
    ReceiveReturn,
    RefundReturn,
    Reject,
    RequestReturn,
)
from pesanan.shop import service as shop

router = APIRouter(tags=["returns"])
Reader = Annotated[Actor, Depends(require("returns:read"))]
Requester = Annotated[Actor, Depends(require("returns:request"))]
Approver = Annotated[Actor, Depends(require("returns:approve"))]
Receiver = Annotated[Actor, Depends(require("returns:receive"))]
Refunder = Annotated[Actor, Depends(require("returns:refund"))]
Exchanger = Annotated[Actor, Depends(require("returns:exchange"))]
BillingReader = Annotated[Actor, Depends(require("billing:read"))]
Status = Literal["requested", "approved", "rejected", "received", "refunded", "exchanged",
                 "closed"]


@router.post("/returns", status_code=201, response_model=out.ReturnOut)
def request_return(body: RequestReturn, request: Request, actor: Requester) -> Response:
    """Ask to return delivered units of an order (status requested)."""
    return commands.run(request, actor, lambda c: service.request_return(c, body, actor),
                        body=body, status_code=201,
                        location=lambda r: f"/api/v1/returns/{r['id']}")


@router.get("/returns")
def list_returns(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
                 status: Status | None = None, order_id: str | None = None,
                 customer_id: str | None = None, created_at_min: ShopFilter | None = None,
                 created_at_max: ShopFilter | None = None) -> dict[str, Any]:
    since = shop.in_utc(conn, created_at_min=created_at_min, created_at_max=created_at_max)
    return queries.list_rmas(conn, limit=limit, cursor=cursor, status=status,
                             order_id=order_id, customer_id=customer_id,
                             created_at_min=since["created_at_min"],
                             created_at_max=since["created_at_max"])


@router.get("/returns/{rma_id}")
def get_return(rma_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_rma(conn, rma_id)


@router.post("/returns/{rma_id}/approve", response_model=out.ReturnOut)
def approve(rma_id: str, request: Request, actor: Approver, body: Decide | None = None
            ) -> Response:
    cmd = body or Decide()
    return commands.run(request, actor, lambda c: service.approve_return(c, rma_id, cmd, actor),
                        body=cmd)


@router.post("/returns/{rma_id}/reject", response_model=out.ReturnOut)
def reject(rma_id: str, body: Reject, request: Request, actor: Approver) -> Response:
    return commands.run(request, actor, lambda c: service.reject_return(c, rma_id, body, actor),
                        body=body)


@router.post("/returns/{rma_id}/receive", response_model=out.ReturnOut)
def receive(rma_id: str, body: ReceiveReturn, request: Request, actor: Receiver) -> Response:
    """Goods arrive at a location with a disposition per line; issues the credit note."""
    return commands.run(request, actor,
                        lambda c: service.receive_return(c, rma_id, body, actor), body=body)


@router.post("/returns/{rma_id}/refund", response_model=out.RefundedReturnOut)
def refund(rma_id: str, body: RefundReturn, request: Request, actor: Refunder) -> Response:
    """Pay the credit back (at most what was paid and not yet refunded)."""
    return commands.run(request, actor,
                        lambda c: service.refund_return(c, rma_id, body, actor), body=body)


@router.post("/returns/{rma_id}/exchange", response_model=out.ExchangedReturnOut)
def exchange(rma_id: str, body: ExchangeReturn, request: Request, actor: Exchanger) -> Response:
    """A replacement order paid from the credit note."""
    return commands.run(request, actor,
                        lambda c: exchange_return(c, rma_id, body, actor), body=body)


@router.post("/returns/{rma_id}/close", response_model=out.ReturnOut)
def close(rma_id: str, request: Request, actor: Approver) -> Response:
    return commands.run(request, actor, lambda c: service.close_return(c, rma_id, actor))


@router.get("/credit-notes")
def list_credit_notes(conn: ReadConn, _: BillingReader, limit: int = 50,
                      cursor: str | None = None, order_id: str | None = None,
                      customer_id: str | None = None, invoice_id: str | None = None
                      ) -> dict[str, Any]:
    return billing_q.list_credit_notes(conn, limit=limit, cursor=cursor, order_id=order_id,
                                       customer_id=customer_id, invoice_id=invoice_id)


@router.get("/credit-notes/{credit_note_id}")
def get_credit_note(credit_note_id: str, conn: ReadConn, _: BillingReader) -> dict[str, Any]:
    return billing_q.get_credit_note(conn, credit_note_id)


@router.get("/refunds")
def list_refunds(conn: ReadConn, _: BillingReader, limit: int = 50, cursor: str | None = None,
                 order_id: str | None = None, rma_id: str | None = None,
                 method: str | None = None) -> dict[str, Any]:
    return billing_q.list_refunds(conn, limit=limit, cursor=cursor, order_id=order_id,
                                  rma_id=rma_id, method=method)
