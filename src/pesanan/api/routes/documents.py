"""The documents as PDF: GET …/pdf beside each JSON resource, with the same permission, and a
404 problem document for an unknown id (pesanan.documents renders; this only serves)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.documents import render

router = APIRouter(tags=["documents"])
BillingReader = Annotated[Actor, Depends(require("billing:read"))]
FulfilmentReader = Annotated[Actor, Depends(require("fulfillment:read"))]
PurchasingReader = Annotated[Actor, Depends(require("purchasing:read"))]
PDF_BODY = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
PDF: dict[int | str, dict[str, Any]] = {200: {"content": PDF_BODY,
                                              "description": "The document as a PDF"}}


def wants_pdf(request: Request) -> bool:
    """`Accept: application/pdf` preferred over JSON (a plain browser or client sends */*)."""
    accept = request.headers.get("accept", "")
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return "application/pdf" in kinds and kinds.index("application/pdf") < next(
        (i for i, k in enumerate(kinds) if k in ("application/json", "*/*")), len(kinds))


def pdf_response(doc: render.Pdf) -> Response:
    # The file name is the document's number: letters, digits and dashes only.
    return Response(doc.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{doc.filename}"'})


@router.get("/invoices/{invoice_id}/pdf", response_class=Response, responses=PDF)
def invoice_pdf(invoice_id: str, conn: ReadConn, _: BillingReader) -> Response:
    return pdf_response(render.document(conn, "invoice", invoice_id))


@router.get("/credit-notes/{credit_note_id}/pdf", response_class=Response, responses=PDF)
def credit_note_pdf(credit_note_id: str, conn: ReadConn, _: BillingReader) -> Response:
    return pdf_response(render.document(conn, "credit_note", credit_note_id))


@router.get("/fulfilment-orders/{fo_id}/delivery-note.pdf", response_class=Response,
            responses=PDF)
def delivery_note_pdf(fo_id: str, conn: ReadConn, _: FulfilmentReader) -> Response:
    """The packing slip / delivery note (surat jalan): lines and quantities, no prices."""
    return pdf_response(render.document(conn, "delivery_note", fo_id))


@router.get("/fulfilment-orders/{fo_id}/pick-list.pdf", response_class=Response,
            responses=PDF)
def pick_list_pdf(fo_id: str, conn: ReadConn, _: FulfilmentReader) -> Response:
    return pdf_response(render.document(conn, "pick_list", fo_id))


@router.get("/purchase-orders/{po_id}/pdf", response_class=Response, responses=PDF)
def purchase_order_pdf(po_id: str, conn: ReadConn, _: PurchasingReader) -> Response:
    return pdf_response(render.document(conn, "purchase_order", po_id))


@router.get("/customers/{customer_id}/statement.pdf", response_class=Response, responses=PDF)
def statement_pdf(
    customer_id: str, conn: ReadConn, _: BillingReader,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """Invoices, payments, credit notes and refunds from `from` to `to` (days in the shop's
    time zone, both included; default: this month), with opening, running and closing
    balance per currency."""
    return pdf_response(render.statement_document(conn, customer_id, start, end))
