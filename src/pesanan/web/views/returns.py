"""Console: returns (RMA) — list, detail with receive / refund / exchange forms, and the
"Returns" section of the order page (loaded lazily: GET /orders/{id}/returns)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from pesanan.billing import queries as billing_q
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound
from pesanan.customers import queries as customers
from pesanan.flows import customer_profile
from pesanan.flows.exchange import exchange_return
from pesanan.inventory import queries as inventory_q
from pesanan.orders import queries as orders_q
from pesanan.returns import queries, service
from pesanan.returns.schemas import (
    Decide,
    ExchangeReturn,
    ReceiveReturn,
    RefundReturn,
    Reject,
    RequestReturn,
)
from pesanan.returns.status import TRANSITIONS
from pesanan.web.commands import Again, act, submit
from pesanan.web.deps import PostedForm, check_csrf, page, read, render
from pesanan.web.forms import clean, domain_errors
from pesanan.web.listing import Column, csv_export, field, sort_of, wants_csv

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("returns:read"))]
# One permission per step, as in the API (auth/roles.py).
Requester = Annotated[Actor, Depends(page("returns:request"))]
Approver = Annotated[Actor, Depends(page("returns:approve"))]
Receiver = Annotated[Actor, Depends(page("returns:receive"))]
Refunder = Annotated[Actor, Depends(page("returns:refund"))]
Exchanger = Annotated[Actor, Depends(page("returns:exchange"))]
STATUSES = tuple(TRANSITIONS)
METHODS = ("card", "bank_transfer", "cash", "cod", "other")
SORTS = {k: k for k in ("number", "requested_at", "status")}
CSV_COLUMNS = (
    field("number"), field("status"), Column("order_number", lambda r: r["order_number"]),
    field("customer_id"), Column("customer_name", lambda r: r["customer_name"]),
    field("currency"), field("note"), field("decision_note"),
    field("requested_at", "requested_at_utc"), field("updated_at", "updated_at_utc"),
)


@router.get("/returns")
def return_list(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    status = request.query_params.get("status") or None
    status = status if status in STATUSES else None
    q = (request.query_params.get("q") or "").strip() or None
    sort, sorted_by = sort_of(request, SORTS)
    errors: dict[str, str] = {}

    def load(conn: Connection, after: str | None = cursor, limit: int = 50) -> dict[str, Any]:
        result = queries.list_rmas(conn, limit=limit, cursor=after, status=status, search=q,
                                   sort=sort)
        return {**result, "orders": orders_q.numbers(conn, [r["order_id"] for r in
                                                            result["items"]]),
                "names": customers.names(conn, [r["customer_id"] for r in result["items"]])}

    if wants_csv(request):
        return csv_export(request, "returns", CSV_COLUMNS, lambda c, after, n: _labelled(
            load(c, after, n)))
    try:
        ctx = read(request, load)
    except DomainError as e:
        ctx, errors = {"items": [], "next_cursor": None, "orders": {}, "names": {}}, \
            domain_errors(e)
    f = {"status": status, "q": q, **sorted_by}
    more = (f"/returns?{urlencode({**{k: v for k, v in f.items() if v}, 'cursor': c})}"
            if (c := ctx["next_cursor"]) else None)
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        return render(request, "returns/_rows.html", **ctx, more_url=more)
    return render(request, "returns/list.html", **ctx, more_url=more, f=f, errors=errors,
                  statuses=STATUSES)


def _labelled(page: dict[str, Any]) -> dict[str, Any]:
    return {"items": [{**r, "order_number": page["orders"].get(r["order_id"]),
                       "customer_name": page["names"].get(r["customer_id"])}
                      for r in page["items"]], "next_cursor": page["next_cursor"]}


def _detail(conn: Connection, rma_id: str) -> dict[str, Any]:
    rma = queries.get_rma(conn, rma_id)
    order = orders_q.get_order(conn, rma["order_id"])
    return {
        "rma": rma, "order": order,
        "customer": customer_profile.get_customer(conn, rma["customer_id"], history=0),
        "credit_note": billing_q.get_credit_note(conn, rma["credit_note_id"])
        if rma["credit_note_id"] else None,
        "refunds": billing_q.list_refunds(conn, rma_id=rma_id, limit=250)["items"],
        "locations": inventory_q.list_locations(conn, limit=250)["items"],
        "methods": METHODS,
        # The refund form preselects the way the order was paid.
        "refund_method": billing_q.refund_method_for(conn, order),
    }


def _page(request: Request, rma_id: str, status_code: int = 200,
          errors: dict[str, str] | None = None, form: dict[str, Any] | None = None
          ) -> Response:
    try:
        ctx = read(request, lambda c: _detail(c, rma_id))
    except NotFound:
        return render(request, "error.html", 404, title="Return not found",
                      message="There is no return at this address.")
    return render(request, "returns/detail.html", status_code, **ctx, errors=errors or {},
                  form=form or {})


@router.get("/returns/{rma_id}")
def return_detail(request: Request, rma_id: str, _: Viewer) -> Response:
    return _page(request, rma_id)


def _again(request: Request, rma_id: str, form: dict[str, Any] | None = None) -> Again:
    return lambda errors: _page(request, rma_id, 422, errors, form)


@router.post("/returns/{rma_id}/approve", dependencies=[Depends(check_csrf)])
def approve(request: Request, posted: PostedForm, rma_id: str, actor: Approver) -> Response:
    form = clean(posted)
    return submit(request, Decide, form,
                  lambda c, cmd: service.approve_return(c, rma_id, cmd, actor),
                  f"/returns/{rma_id}", _again(request, rma_id, form))


@router.post("/returns/{rma_id}/reject", dependencies=[Depends(check_csrf)])
def reject(request: Request, posted: PostedForm, rma_id: str, actor: Approver) -> Response:
    form = clean(posted)
    return submit(request, Reject, form,
                  lambda c, cmd: service.reject_return(c, rma_id, cmd, actor),
                  f"/returns/{rma_id}", _again(request, rma_id, form))


@router.post("/returns/{rma_id}/receive", dependencies=[Depends(check_csrf)])
def receive(request: Request, posted: PostedForm, rma_id: str, actor: Receiver) -> Response:
    """One select per line, named `disposition-<rma line id>`."""
    form = clean(posted)
    lines = [{"rma_line_id": k.removeprefix("disposition-"), "disposition": v}
             for k, v in form.items() if k.startswith("disposition-")]
    data = {"location_id": form.get("location_id", ""), "lines": lines}
    return submit(request, ReceiveReturn, data,
                  lambda c, cmd: service.receive_return(c, rma_id, cmd, actor),
                  f"/returns/{rma_id}", _again(request, rma_id, form))


@router.post("/returns/{rma_id}/refund", dependencies=[Depends(check_csrf)])
def refund(request: Request, posted: PostedForm, rma_id: str, actor: Refunder) -> Response:
    form = clean(posted)
    currency = read(request, lambda c: queries.get_rma(c, rma_id))["currency"]
    return submit(request, RefundReturn, form,
                  lambda c, cmd: service.refund_return(c, rma_id, cmd, actor),
                  f"/returns/{rma_id}", _again(request, rma_id, form), money={"amount": currency})


@router.post("/returns/{rma_id}/exchange", dependencies=[Depends(check_csrf)])
def exchange(request: Request, posted: PostedForm, rma_id: str, actor: Exchanger) -> Response:
    form = clean(posted)
    data = {"lines": [{"sku": form.get("sku", ""), "quantity": form.get("quantity", "")}],
            "note": form.get("note")}
    return submit(request, ExchangeReturn, data,
                  lambda c, cmd: exchange_return(c, rma_id, cmd, actor),
                  f"/returns/{rma_id}", _again(request, rma_id, form))


@router.post("/returns/{rma_id}/close", dependencies=[Depends(check_csrf)])
def close(request: Request, rma_id: str, actor: Approver) -> Response:
    return act(request, lambda c: service.close_return(c, rma_id, actor), f"/returns/{rma_id}",
               _again(request, rma_id))


# --- the order page's section ------------------------------------------------------------------

@router.get("/orders/{order_id}/returns")
def order_returns(request: Request, order_id: str, _: Viewer) -> Response:
    """The fragment the order page loads: its returns and a "Request return" form."""
    ctx = read(request, lambda c: queries.for_order(c, order_id))
    return render(request, "returns/_order_section.html", **ctx, order_id=order_id,
                  errors={}, form={})


@router.post("/orders/{order_id}/returns", dependencies=[Depends(check_csrf)])
def request_return(request: Request, posted: PostedForm, order_id: str, actor: Requester
                   ) -> Response:
    """Quantities come as `qty-<order line id>`; lines left at 0 are not returned."""
    form = clean(posted)
    reason = form.get("reason", "")
    lines = [{"order_line_id": k.removeprefix("qty-"), "quantity": v, "reason": reason}
             for k, v in form.items() if k.startswith("qty-") and v.strip() not in ("", "0")]
    data = {"order_id": order_id, "lines": lines, "note": form.get("note")}

    def again(errors: dict[str, str]) -> Response:
        ctx = read(request, lambda c: queries.for_order(c, order_id))
        order = read(request, lambda c: orders_q.get_order(c, order_id))
        return render(request, "returns/new.html", 422, **ctx, order=order, order_id=order_id,
                      errors=errors, form=form)

    return submit(request, RequestReturn, data,
                  lambda c, cmd: service.request_return(c, cmd, actor),
                  lambda view: f"/returns/{view['id']}", again)
