"""Orders: list with filters and search, detail with the actions its state allows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from pesanan.billing import queries as billing_q
from pesanan.billing import service as billing
from pesanan.billing.schemas import IssueInvoice, RecordPayment
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.core.money import Money, fmt
from pesanan.customers import queries as customers
from pesanan.flows import cancel as cancel_flow
from pesanan.flows import customer_profile, shipping
from pesanan.fulfillment import queries as fulfillment_q
from pesanan.fulfillment import service as fulfillment
from pesanan.fulfillment.schemas import CreateShipment
from pesanan.mail import queries as mail_q
from pesanan.orders import actions, queries
from pesanan.orders.schemas import CancelOrder
from pesanan.shop.days import day_bounds
from pesanan.web.commands import Again, act, submit
from pesanan.web.deps import PostedForm, check_csrf, page, read, render
from pesanan.web.forms import clean, domain_errors
from pesanan.web.listing import Column, csv_export, field, sort_of, wants_csv
from pesanan.web.shop_time import profile_of

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("orders:read"))]
FILTERS = ("status", "channel", "customer_id", "date_from", "date_to", "q")
SORTS = {k: k for k in ("number", "placed_at", "channel", "status", "total")}
MONEY = "billing:read"
CSV_COLUMNS = (
    field("number"), field("placed_at", "placed_at_utc"), field("customer_id"),
    Column("customer_name", lambda o: o["customer_name"]), field("channel"), field("status"),
    field("financial_status"), field("fulfillment_status"), field("currency"),
    *(field(k, perm=MONEY) for k in ("subtotal", "tax_total", "total", "amount_paid",
                                     "amount_refunded", "balance_due")),
)


def _day(value: str | None, zone: tzinfo, end: bool = False) -> datetime | None:
    """A typed day as the shop's day: its first instant, or (end) its last, in UTC."""
    if not value:
        return None
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return None
    start, after = day_bounds(d, zone)
    return after - timedelta(microseconds=1) if end else start


@router.get("/orders")
def order_list(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    f: dict[str, Any] = {k: request.query_params.get(k) or None for k in FILTERS}
    sort, sorted_by = sort_of(request, SORTS)
    errors: dict[str, str] = {}

    zone = profile_of(request).zone  # the dates typed are the shop's days

    def load(conn: Connection, after: str | None = cursor, limit: int = 50) -> dict[str, Any]:
        ids = customers.ids_matching(f["q"]) if f["q"] else None
        return queries.list_orders(
            conn, limit=limit, cursor=after, status=f["status"], channel=f["channel"],
            customer_id=f["customer_id"], created_at_min=_day(f["date_from"], zone),
            created_at_max=_day(f["date_to"], zone, end=True), search=f["q"], customer_ids=ids,
            sort=sort)

    if wants_csv(request):
        return csv_export(request, "orders", CSV_COLUMNS, lambda c, after, n: _named(
            c, load(c, after, n)))
    f.update(sorted_by)  # "Load more" and the headers keep the sort
    try:
        result = read(request, load)
    except DomainError as e:
        result, errors = {"items": [], "next_cursor": None}, domain_errors(e)
    names = read(request, lambda c: customers.names(c, [o["customer_id"] for o in result["items"]]))
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        return render(request, "orders/_rows.html", orders=result, names=names, f=f)
    return render(request, "orders/list.html", orders=result, names=names, f=f, errors=errors)


def _named(conn: Connection, result: dict[str, Any]) -> dict[str, Any]:
    names = customers.names(conn, [o["customer_id"] for o in result["items"]])
    return {**result, "items": [{**o, "customer_name": names.get(o["customer_id"])}
                                for o in result["items"]]}


def _detail(conn: Connection, order_id: str) -> dict[str, Any]:
    order = queries.get_order(conn, order_id)
    invoices = billing_q.list_invoices(conn, order_id=order_id, limit=250)["items"]
    payments = [p for inv in invoices for p in billing_q.get_invoice(conn, inv["id"])["payments"]]
    cur = order["currency"]
    paid, refunded = (Money.of(order[k], cur).amount for k in ("amount_paid", "amount_refunded"))
    return {
        "order": order,
        "customer": customer_profile.get_customer(conn, order["customer_id"], history=0),
        # The order's own history with the emails sent about it, in time order.
        "timeline": sorted(queries.timeline(conn, order_id)["items"]
                           + mail_q.timeline_entries(conn, order_id),
                           key=lambda e: e["occurred_at"]),
        "shipments": fulfillment_q.order_shipments(conn, order_id)["items"],
        "invoices": invoices, "payments": payments, "actions": actions.allowed(order),
        # What the shop still holds, paid in less paid back (shown once something went back).
        "net_paid": fmt(paid - refunded, cur) if refunded else None,
        "credit_notes": billing_q.list_credit_notes(conn, order_id=order_id, limit=250)["items"],
        "refunds": billing_q.list_refunds(conn, order_id=order_id, limit=250)["items"],
        "payment_method": billing_q.payment_method_for(conn, order["customer_id"]),
    }


@router.get("/orders/{order_id}")
def order_detail(request: Request, order_id: str, _: Viewer) -> Response:
    return render(request, "orders/detail.html", **read(request, lambda c: _detail(c, order_id)),
                  errors={}, form={})


def _again(request: Request, order_id: str, form: dict[str, Any]) -> Again:
    def again(errors: dict[str, str]) -> Response:
        ctx = read(request, lambda c: _detail(c, order_id))
        return render(request, "orders/detail.html", 422, **ctx, errors=errors, form=form)

    return again


@router.post("/orders/{order_id}/cancel", dependencies=[Depends(check_csrf)])
def cancel(request: Request, posted: PostedForm, order_id: str,
           actor: Annotated[Actor, Depends(page("orders:write"))]) -> Response:
    form = clean(posted)
    return submit(request, CancelOrder, {"reason": form.get("reason", "cancelled in console")},
                  lambda c, cmd: cancel_flow.cancel_order(c, order_id, cmd, actor),
                  f"/orders/{order_id}", _again(request, order_id, form))


@router.post("/orders/{order_id}/ship", dependencies=[Depends(check_csrf)])
def ship(request: Request, posted: PostedForm, order_id: str,
         actor: Annotated[Actor, Depends(page("fulfillment:write"))]) -> Response:
    form = clean(posted)
    return submit(request, CreateShipment, form,
                  lambda c, cmd: shipping.ship_order(c, order_id, cmd, actor),
                  f"/orders/{order_id}", _again(request, order_id, form))


@router.post("/orders/{order_id}/invoice", dependencies=[Depends(check_csrf)])
def invoice(request: Request, order_id: str,
            actor: Annotated[Actor, Depends(page("billing:write"))]) -> Response:
    cmd = IssueInvoice()
    return act(request, lambda c: billing.issue_invoice(c, order_id, cmd, actor),
               f"/orders/{order_id}", _again(request, order_id, {}))


@router.post("/orders/{order_id}/pay", dependencies=[Depends(check_csrf)])
def pay(request: Request, posted: PostedForm, order_id: str,
        actor: Annotated[Actor, Depends(page("billing:write"))]) -> Response:
    form = clean(posted)
    currency = read(request, lambda c: queries.get_order(c, order_id))["currency"]
    return submit(request, RecordPayment, form,
                  lambda c, cmd: billing.record_payment(c, order_id, cmd, actor),
                  f"/orders/{order_id}", _again(request, order_id, form),
                  money={"amount": currency})


@router.post("/shipments/{shipment_id}/deliver", dependencies=[Depends(check_csrf)])
def deliver(request: Request, shipment_id: str,
            actor: Annotated[Actor, Depends(page("fulfillment:write"))]) -> Response:
    order_id = read(request, lambda c: fulfillment_q.get_shipment(c, shipment_id))["order_id"]
    return act(request, lambda c: fulfillment.deliver_shipment(c, shipment_id, actor),
               f"/orders/{order_id}", _again(request, order_id, {}))
