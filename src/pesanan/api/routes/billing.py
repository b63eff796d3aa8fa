from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from pesanan.api import commands, exports
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.api.routes import documents
from pesanan.billing import queries, service
from pesanan.billing.schemas import IssueInvoice, RecordPayment
from pesanan.core.actor import Actor

router = APIRouter(tags=["billing"])
Reader = Annotated[Actor, Depends(require("billing:read"))]
Writer = Annotated[Actor, Depends(require("billing:write"))]


@router.post("/orders/{order_id}/invoices", status_code=201, response_model=out.InvoiceOut)
def issue_invoice(order_id: str, request: Request, actor: Writer,
                  body: IssueInvoice | None = None) -> Response:
    """Invoice everything on the order not yet invoiced, under the next gapless number."""
    cmd = body or IssueInvoice()
    return commands.run(request, actor, lambda c: service.issue_invoice(c, order_id, cmd, actor),
                        body=cmd, status_code=201,
                        location=lambda r: f"/api/v1/invoices/{r['id']}")


@router.post("/orders/{order_id}/payments", status_code=201, response_model=out.PaymentOut)
def record_payment(order_id: str, body: RecordPayment, request: Request, actor: Writer
                   ) -> Response:
    """Record a payment against the order's open invoices; answers with the payment and the
    order's new financial status."""
    return commands.run(request, actor,
                        lambda c: service.record_payment(c, order_id, body, actor), body=body,
                        status_code=201)


INVOICE_CSV = exports.columns(
    "id", "number", "order_id", "customer_id", "status", "issued_at", "due_at", "currency",
    "subtotal", "tax_total", "total", "amount_paid", "amount_due")


@router.get("/invoices", response_model=dict[str, Any], responses=exports.CSV_BODY)
def list_invoices(
    request: Request, conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
    status: Literal["issued", "partially_paid", "paid"] | None = None,
    customer_id: str | None = None, order_id: str | None = None,
) -> dict[str, Any] | Response:
    """A page of invoices, or with `Accept: text/csv` every matching invoice as CSV."""
    def fetch(c: Connection, after: str | None, n: int) -> dict[str, Any]:
        return queries.list_invoices(c, limit=n, cursor=after, status=status,
                                     customer_id=customer_id, order_id=order_id)

    if exports.wants_csv(request):
        return exports.csv_response(request, "invoices", INVOICE_CSV, fetch)
    return fetch(conn, cursor, limit)


@router.get("/invoices/{invoice_id}", response_model=dict[str, Any],
            responses={200: {"content": documents.PDF_BODY}})
def get_invoice(invoice_id: str, request: Request, conn: ReadConn, _: Reader
                ) -> dict[str, Any] | Response:
    """The invoice as JSON, or as its PDF when the request asks `Accept: application/pdf`
    (the same document as GET /invoices/{id}/pdf)."""
    if documents.wants_pdf(request):
        return documents.invoice_pdf(invoice_id, conn, _)
    return queries.get_invoice(conn, invoice_id)
