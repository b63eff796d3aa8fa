"""The console's "Download PDF" links: the same documents the API serves (pesanan.documents),
behind the console's login and the page permission of the record they print."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound
from pesanan.documents import render as documents
from pesanan.web.deps import page, read, render

router = APIRouter()
Billing = Annotated[Actor, Depends(page("billing:read"))]
Fulfilment = Annotated[Actor, Depends(page("fulfillment:read"))]
Purchasing = Annotated[Actor, Depends(page("purchasing:read"))]


def _serve(request: Request, make: Callable[[Connection], documents.Pdf]
           ) -> Response:
    try:
        doc = read(request, make)
    except NotFound:
        return render(request, "error.html", 404, title="Document not found",
                      message="There is nothing to print at this address. It may have been "
                              "mistyped.")
    except DomainError as e:
        return render(request, "error.html", 422, title="Cannot print this", message=str(e))
    return Response(doc.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{doc.filename}"'})


@router.get("/documents/invoices/{invoice_id}.pdf")
def invoice_pdf(request: Request, invoice_id: str, _: Billing) -> Response:
    return _serve(request, lambda c: documents.document(c, "invoice", invoice_id))


@router.get("/documents/credit-notes/{credit_note_id}.pdf")
def credit_note_pdf(request: Request, credit_note_id: str, _: Billing) -> Response:
    return _serve(request, lambda c: documents.document(c, "credit_note", credit_note_id))


@router.get("/documents/fulfilment-orders/{fo_id}/delivery-note.pdf")
def delivery_note_pdf(request: Request, fo_id: str, _: Fulfilment) -> Response:
    return _serve(request, lambda c: documents.document(c, "delivery_note", fo_id))


@router.get("/documents/fulfilment-orders/{fo_id}/pick-list.pdf")
def pick_list_pdf(request: Request, fo_id: str, _: Fulfilment) -> Response:
    return _serve(request, lambda c: documents.document(c, "pick_list", fo_id))


@router.get("/documents/purchase-orders/{po_id}.pdf")
def purchase_order_pdf(request: Request, po_id: str, _: Purchasing) -> Response:
    return _serve(request, lambda c: documents.document(c, "purchase_order", po_id))


@router.get("/documents/customers/{customer_id}/statement.pdf")
def statement_pdf(request: Request, customer_id: str, _: Billing) -> Response:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (default: this month); a malformed day is ignored."""
    days = [_day(request.query_params.get(k)) for k in ("from", "to")]
    return _serve(request, lambda c: documents.statement_document(c, customer_id, *days))


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
