"""Customers: a searchable list and a profile whose history and volume are derived from orders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound
from pesanan.flows import customer_profile as profiles
from pesanan.web.deps import page, read, render
from pesanan.web.forms import domain_errors
from pesanan.web.listing import Column, csv_export, field, sort_of, wants_csv

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("customers:read"))]
PAGE = 50
HISTORY = 25
SORTS = {"name": "name", "created_at": "created_at"}
CSV_COLUMNS = (
    field("id"), field("name"), field("email"), field("phone"), field("kind"),
    field("payment_preference"), field("credit_currency"), field("credit_limit"),
    field("payment_terms_days"), field("created_at", "created_at_utc"), field("order_count"),
    # Per currency ("USD 120.00; IDR 50000"): a customer may have bought in several.
    Column("lifetime_value", lambda c: "; ".join(
        f"{cur} {v}" for cur, v in sorted(c["lifetime_value"].items()))),
    field("last_order_at", "last_order_at_utc"),
)


@router.get("/customers")
def customer_list(request: Request, _: Viewer, q: str = "", cursor: str | None = None
                  ) -> Response:
    q = q.strip()
    sort, sorted_by = sort_of(request, SORTS)
    if wants_csv(request):
        return csv_export(request, "customers", CSV_COLUMNS, lambda c, after, n: (
            profiles.list_customers(c, limit=n, cursor=after, q=q or None, sort=sort)))
    f = {"q": q, **sorted_by}
    errors: dict[str, str] = {}
    try:
        result: dict[str, Any] = read(request, lambda c: profiles.list_customers(
            c, limit=PAGE, cursor=cursor, q=q or None, sort=sort))
    except DomainError as e:
        result, errors = {"items": [], "next_cursor": None}, domain_errors(e)
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        return render(request, "customers/_rows.html", customers=result, q=q, f=f)
    return render(request, "customers/list.html", customers=result, q=q, f=f, errors=errors)


@router.get("/customers/{customer_id}")
def customer_profile(request: Request, customer_id: str, _: Viewer) -> Response:
    try:
        customer = read(request, lambda c: profiles.get_customer(c, customer_id, HISTORY))
    except NotFound:
        return render(request, "error.html", 404, title="Customer not found",
                      message="No customer has this id. It may have been mistyped.")
    return render(request, "customers/profile.html", c=customer, history_limit=HISTORY)
