"""Customers: a searchable list, a profile whose history and volume are derived from orders,
and an edit page (profile, credit limit, payment terms, address book)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound
from pesanan.customers.schemas import AddressIn, CustomerUpdate
from pesanan.flows import customer_profile as profiles
from pesanan.web import i18n
from pesanan.web.commands import act, submit
from pesanan.web.deps import PostedForm, check_csrf, page, read, render
from pesanan.web.forms import domain_errors, typed_amount
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


# --- editing: profile, credit and payment terms, addresses (customers/profile.py) ------------

Writer = Annotated[Actor, Depends(page("customers:write"))]
KINDS = ("b2c", "b2b")
PREFERENCES = ("card", "bank_transfer", "cash", "cod", "invoice")
# Blank in the form clears these (as null does in the API's PATCH).
_CLEARABLE = ("email", "phone", "credit_limit", "payment_terms_days")
_ADDRESS = ("kind", "line1", "line2", "city", "region", "postal_code", "country")


def _profile_form(c: dict[str, Any], locale: str) -> dict[str, Any]:
    form = {k: ("" if c.get(k) is None else c[k]) for k in (
        "name", "email", "phone", "kind", "payment_preference", "credit_limit",
        "credit_currency", "payment_terms_days")}
    # The limit as this user types it ("15.000.000" in id_ID), so saving as is reads it back.
    form["credit_limit"] = typed_amount(c.get("credit_limit"), str(c.get("credit_currency")),
                                        locale)
    return form


def _edit_page(request: Request, customer_id: str, *, errors: dict[str, str] | None = None,
               form: dict[str, Any] | None = None, target: str | None = None,
               address_form: dict[str, Any] | None = None, status: int = 200,
               saved: str | None = None) -> Response:
    """The edit page; `target` names the form the errors belong to: "profile", "new" (the add
    address form) or an address id."""
    try:
        customer = read(request, lambda c: profiles.get_customer(c, customer_id, 0))
    except NotFound:
        return render(request, "error.html", 404, title="Customer not found",
                      message="No customer has this id. It may have been mistyped.")
    return render(request, "customers/edit.html", status, c=customer,
                  form=form if target == "profile" and form else _profile_form(
                      customer, i18n.use(request)),
                  address_form=address_form or {}, errors=errors or {}, target=target,
                  kinds=KINDS, preferences=PREFERENCES, saved=saved)


@router.get("/customers/{customer_id}/edit")
def edit_customer(request: Request, customer_id: str, _: Writer, saved: str | None = None
                  ) -> Response:
    return _edit_page(request, customer_id, saved=saved)


def _done(customer_id: str, saved: str) -> str:
    return f"/customers/{customer_id}/edit?saved={saved}"


@router.post("/customers/{customer_id}/edit", dependencies=[Depends(check_csrf)])
def update_customer(request: Request, customer_id: str, posted: PostedForm, _: Writer
                    ) -> Response:
    form = {k: str(v).strip() for k, v in posted.items() if k != "csrf_token"}
    form["credit_currency"] = form.get("credit_currency", "").upper()
    data: dict[str, Any] = {k: form.get(k, "") for k in ("name", "kind", "payment_preference")}
    data.update({k: form.get(k) or None for k in _CLEARABLE})
    if form["credit_currency"]:
        data["credit_currency"] = form["credit_currency"]
    if data["credit_limit"] is not None and not form["credit_currency"]:
        errors = {"credit_currency": "Give the credit limit's currency, like IDR."}
        return _edit_page(request, customer_id, errors=errors, form=form, target="profile",
                          status=422)
    return submit(request, CustomerUpdate, data,
                  lambda c, cmd: profiles.update_customer(c, customer_id, cmd),
                  _done(customer_id, "profile"),
                  lambda errors: _edit_page(request, customer_id, errors=errors, form=form,
                                            target="profile", status=422),
                  money={"credit_limit": form["credit_currency"] or None})


def _address_data(posted: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The typed address (for the page again) and the API's AddressIn body."""
    form = {k: str(v).strip() for k, v in posted.items() if k != "csrf_token"}
    form["country"] = form.get("country", "").upper()
    data: dict[str, Any] = {k: form.get(k) or None for k in _ADDRESS}
    data["line1"], data["city"] = form.get("line1", ""), form.get("city", "")
    data["country"], data["kind"] = form["country"], form.get("kind") or "shipping"
    data["is_default"] = form.get("is_default") == "1"
    return form, data


@router.post("/customers/{customer_id}/addresses", dependencies=[Depends(check_csrf)])
def add_address(request: Request, customer_id: str, posted: PostedForm, _: Writer
                ) -> Response:
    form, data = _address_data(posted)
    return submit(request, AddressIn, data,
                  lambda c, cmd: profiles.add_address(c, customer_id, cmd),
                  _done(customer_id, "address_added"),
                  lambda errors: _edit_page(request, customer_id, errors=errors,
                                            address_form=form, target="new", status=422))


@router.post("/customers/{customer_id}/addresses/{address_id}",
             dependencies=[Depends(check_csrf)])
def update_address(request: Request, customer_id: str, address_id: str, posted: PostedForm,
                   _: Writer) -> Response:
    form, data = _address_data(posted)
    return submit(request, AddressIn, data,
                  lambda c, cmd: profiles.update_address(c, customer_id, address_id, cmd),
                  _done(customer_id, "address_saved"),
                  lambda errors: _edit_page(request, customer_id, errors=errors,
                                            address_form=form, target=address_id,
                                            status=422))


def _address_act(request: Request, customer_id: str, address_id: str, run: Any, saved: str
                 ) -> Response:
    return act(request, run, _done(customer_id, saved),
               lambda errors: _edit_page(request, customer_id, errors=errors,
                                         target=address_id, status=404))


@router.post("/customers/{customer_id}/addresses/{address_id}/default",
             dependencies=[Depends(check_csrf)])
def set_default_address(request: Request, customer_id: str, address_id: str, _: Writer
                        ) -> Response:
    return _address_act(request, customer_id, address_id, lambda c: profiles
                        .set_default_address(c, customer_id, address_id), "address_default")


@router.post("/customers/{customer_id}/addresses/{address_id}/remove",
             dependencies=[Depends(check_csrf)])
def remove_address(request: Request, customer_id: str, address_id: str, _: Writer
                   ) -> Response:
    return _address_act(request, customer_id, address_id, lambda c: profiles
                        .remove_address(c, customer_id, address_id), "address_removed")
