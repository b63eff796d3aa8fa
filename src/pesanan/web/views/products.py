"""Console: products (catalogue). A list, a create form, an edit form (name, price, tax rate,
standard cost, oversell policy), deactivate and reactivate. Each form posts the API's own input
schema to the API's own service function (catalog.service), so the page and
POST/PATCH /api/v1/products refuse the same input with the same messages. An edit carries the
version the form was read at: a product changed meanwhile is refused (nothing written) with a
sentence saying so, as a stale `If-Match` is a 412 in the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.catalog import queries, service
from pesanan.catalog.schemas import ProductCreate, ProductUpdate
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError, NotFound, PreconditionFailed
from pesanan.core.schema import ascii_int
from pesanan.web import i18n
from pesanan.web.commands import act, submit
from pesanan.web.deps import PostedForm, check_csrf, page, read, render
from pesanan.web.forms import clean, domain_errors, parse, typed_amount

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("catalog:read"))]
Writer = Annotated[Actor, Depends(page("catalog:write"))]
PAGE = 50
STALE = ("Someone changed this product after you opened the form. Nothing was saved: the "
         "form now shows the current values; make your change again.")
# The form's text fields; booleans and the version are handled apart.
_EDITABLE = ("name", "price", "tax_rate", "standard_cost", "oversell_policy", "backorder_limit")


def _not_found(request: Request) -> Response:
    return render(request, "error.html", 404, title="Product not found",
                  message="No product has this id. It may have been mistyped.")


@router.get("/products")
def product_list(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    errors: dict[str, str] = {}
    try:
        result: dict[str, Any] = read(request, lambda c: queries.list_products(
            c, limit=PAGE, cursor=cursor))
    except DomainError as e:  # a cursor this server did not issue
        result, errors = {"items": [], "next_cursor": None}, domain_errors(e)
    return render(request, "products/list.html", products=result, errors=errors)


def _new_page(request: Request, form: dict[str, Any], errors: dict[str, str],
              status: int = 200) -> Response:
    return render(request, "products/new.html", status, form=form, errors=errors)


@router.get("/products/new")
def new_product(request: Request, _: Writer) -> Response:
    return _new_page(request, {"currency": "IDR", "tax_rate": "0", "standard_cost": "0",
                               "oversell_policy": "deny", "backorder_limit": "0"}, {})


@router.post("/products", dependencies=[Depends(check_csrf)])
def create_product(request: Request, posted: PostedForm, _: Writer) -> Response:
    form = clean(posted)
    if "currency" in form:
        form["currency"] = str(form["currency"]).strip().upper()
    data = {**form, "active": True}
    cur = form.get("currency")
    return submit(request, ProductCreate, data, service.create_product,
                  lambda p: f"/products/{p['id']}?saved=created",
                  lambda errors: _new_page(request, form, errors, 422),
                  money={"price": cur, "standard_cost": cur})


def _edit_page(request: Request, product_id: str, errors: dict[str, str],
               form: dict[str, Any] | None, status: int = 200, saved: str | None = None
               ) -> Response:
    try:
        product = read(request, lambda c: queries.get_product(c, product_id))
    except NotFound:
        return _not_found(request)
    shown = form if form is not None else {k: product[k] for k in _EDITABLE}
    if form is None:  # the amounts as this user types them ("85.000" in id_ID), to save as is
        for k in ("price", "standard_cost"):
            shown[k] = typed_amount(shown[k], product["currency"], i18n.use(request))
    return render(request, "products/edit.html", status, p=product, form=shown,
                  errors=errors, saved=saved)


@router.get("/products/{product_id}")
def product_detail(request: Request, product_id: str, _: Viewer, saved: str | None = None
                   ) -> Response:
    return _edit_page(request, product_id, {}, None, saved=saved)


def _version(form: dict[str, Any]) -> int | None:
    return ascii_int(str(form.get("version", "")))


def _update(request: Request, product_id: str, cmd: ProductUpdate, version: int | None,
            form: dict[str, Any] | None, saved: str) -> Response:
    """Run the update; a stale version shows the current values again with a sentence."""
    def again(errors: dict[str, str]) -> Response:
        stale = errors.get("form") == STALE  # show what is there now, at its version
        return _edit_page(request, product_id, errors, None if stale else form,
                          409 if stale else 422)

    def run(c: Any) -> dict[str, Any]:
        try:
            return service.update_product(c, product_id, cmd, version)
        except PreconditionFailed:
            raise PreconditionFailed(STALE) from None

    return act(request, run, f"/products/{product_id}?saved={saved}", again)


@router.post("/products/{product_id}", dependencies=[Depends(check_csrf)])
def update_product(request: Request, product_id: str, posted: PostedForm, _: Writer
                   ) -> Response:
    form = clean(posted)
    version = _version(form)
    data = {k: form.get(k, "") for k in _EDITABLE if k != "backorder_limit"}
    if form.get("backorder_limit", "") != "":
        data["backorder_limit"] = form["backorder_limit"]
    try:
        cur = read(request, lambda c: queries.get_product(c, product_id))["currency"]
    except NotFound:
        return _not_found(request)
    cmd, errors = parse(ProductUpdate, data, money={"price": cur, "standard_cost": cur},
                        locale=i18n.use(request))
    if version is None:
        errors["form"] = "The form has no version: reload the page and try again."
    if cmd is None or errors:
        return _edit_page(request, product_id, errors, form, 422)
    # A stale form must not overwrite: fields left out of the form stay as they are.
    return _update(request, product_id, cmd, version, form, "updated")


@router.post("/products/{product_id}/deactivate", dependencies=[Depends(check_csrf)])
def deactivate(request: Request, product_id: str, posted: PostedForm, _: Writer) -> Response:
    return _update(request, product_id, ProductUpdate(active=False), _version(clean(posted)),
                   None, "deactivated")


@router.post("/products/{product_id}/reactivate", dependencies=[Depends(check_csrf)])
def reactivate(request: Request, product_id: str, posted: PostedForm, _: Writer) -> Response:
    return _update(request, product_id, ProductUpdate(active=True), _version(clean(posted)),
                   None, "reactivated")
