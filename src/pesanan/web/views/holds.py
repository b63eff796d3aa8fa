"""Console: the hold review queue, hold rules (settings), and the order page's "changes"
section (hold / release, the edit form, revisions), loaded lazily into the order detail."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.core.schema import document_number
from pesanan.customers import queries as customers
from pesanan.flows import edit as edit_flow
from pesanan.flows import holds as hold_flow
from pesanan.orders import edits, hold_settings, holds
from pesanan.orders.schemas import (
    CancelHeldOrder,
    EditOrder,
    HoldOrder,
    HoldRuleCreate,
    HoldRuleUpdate,
    ReleaseHold,
)
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, money_problem, parse

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("orders:read"))]
Writer = Annotated[Actor, Depends(page("orders:write"))]
Admin = Annotated[Actor, Depends(page("settings:write"))]


# --- review queue ----------------------------------------------------------------------------

def _queue(conn: Connection, cursor: str | None) -> dict[str, Any]:
    result = holds.list_holds(conn, limit=50, cursor=cursor)
    names = customers.names(conn, [x["customer_id"] for x in result["items"]])
    return {"queue": result, "names": names}


@router.get("/holds")
def queue(request: Request, _: Viewer, cursor: str | None = None) -> Response:
    return render(request, "holds/queue.html", **read(request, lambda c: _queue(c, cursor)),
                  errors={}, failed=None)


def _queue_action(request: Request, order_id: str, run: Callable[[Connection], Any]
                  ) -> Response:
    try:
        execute(request, run)
    except DomainError as e:
        return render(request, "holds/queue.html", 422, **read(request, lambda c: _queue(c, None)),
                      errors=domain_errors(e), failed=order_id)
    return RedirectResponse("/holds", status_code=303)


@router.post("/holds/{order_id}/release", dependencies=[Depends(check_csrf)])
def queue_release(request: Request, posted: PostedForm, order_id: str, actor: Writer
                  ) -> Response:
    cmd = ReleaseHold(note=clean(posted).get("note"))
    return _queue_action(request, order_id,
                         lambda c: hold_flow.release_hold(c, order_id, cmd, actor))


@router.post("/holds/{order_id}/cancel", dependencies=[Depends(check_csrf)])
def queue_cancel(request: Request, posted: PostedForm, order_id: str, actor: Writer
                 ) -> Response:
    cmd, errors = parse(CancelHeldOrder, {"note": clean(posted).get("note", "")})
    if cmd is None:
        return render(request, "holds/queue.html", 422, **read(request, lambda c: _queue(c, None)),
                      errors={"form": "Say why the order is cancelled", **errors},
                      failed=order_id)
    return _queue_action(request, order_id,
                         lambda c: hold_flow.cancel_held(c, order_id, cmd, actor))


# --- the order page's changes section ------------------------------------------------------

def _changes(conn: Connection, order_id: str) -> dict[str, Any]:
    order = holds.order_with_holds(conn, order_id)
    return {"order": order, "revisions": edits.list_revisions(conn, order_id)["items"]}


@router.get("/orders/{order_id}/changes")
def changes(request: Request, order_id: str, _: Viewer) -> Response:
    """The fragment the order detail page loads (hx-get, hx-trigger=load)."""
    return render(request, "holds/_changes.html", **read(request, lambda c: _changes(c, order_id)),
                  errors={}, form={})


def _order_action(request: Request, order_id: str, run: Callable[[Connection], Any],
                  form: dict[str, Any], errors: dict[str, str] | None = None) -> Response:
    """Run a command from the changes section; on an error show the section on its own page,
    with the message beside the form, so nothing typed is lost."""
    if not errors:
        try:
            execute(request, run)
            return RedirectResponse(f"/orders/{order_id}", status_code=303)
        except DomainError as e:
            errors = domain_errors(e)
    return render(request, "holds/changes_page.html", 422,
                  **read(request, lambda c: _changes(c, order_id)), errors=errors, form=form)


@router.post("/orders/{order_id}/hold", dependencies=[Depends(check_csrf)])
def hold(request: Request, posted: PostedForm, order_id: str, actor: Writer) -> Response:
    form = clean(posted)
    cmd, errors = parse(HoldOrder, {"reason": form.get("reason", "")})
    return _order_action(request, order_id,
                         lambda c: hold_flow.hold_order(c, order_id, cmd, actor) if cmd else None,
                         form, errors)


@router.post("/orders/{order_id}/release", dependencies=[Depends(check_csrf)])
def release(request: Request, posted: PostedForm, order_id: str, actor: Writer) -> Response:
    form = clean(posted)
    cmd = ReleaseHold(note=form.get("note"))
    return _order_action(request, order_id,
                         lambda c: hold_flow.release_hold(c, order_id, cmd, actor), form)


ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")


def edit_changes(form: FormData | dict[str, Any]) -> dict[str, Any]:
    """The edit form as the API's EditOrder body: `qty-<line id>` per line (a changed number
    is a set_quantity, 0 or the `remove-<line id>` box a remove_line), `add_sku`/`add_qty`,
    and with the `change_address` box ticked, `addr_<field>` as a set_shipping_address."""
    out: list[dict[str, Any]] = []
    for key, value in form.items():
        if key.startswith("qty-"):
            line_id = key.removeprefix("qty-")
            was = str(form.get(f"was-{line_id}", ""))
            if form.get(f"remove-{line_id}") or str(value).strip() == "0":
                out.append({"op": "remove_line", "line_id": line_id})
            elif str(value).strip() != was:
                out.append({"op": "set_quantity", "line_id": line_id,
                            "quantity": str(value).strip()})
    if form.get("add_sku"):
        out.append({"op": "add_line", "sku": str(form["add_sku"]).strip(),
                    "quantity": str(form.get("add_qty") or "1").strip()})
    if form.get("change_address"):
        out.append({"op": "set_shipping_address", "address": {
            f: str(form[f"addr_{f}"]).strip() for f in ADDRESS_FIELDS if form.get(f"addr_{f}")}})
    body: dict[str, Any] = {"changes": out}
    if form.get("expected_version"):
        body["expected_version"] = form["expected_version"]
    if form.get("note"):
        body["note"] = form["note"]
    return body


_CHANGE_ERROR = re.compile(
    r"changes\[(\d+)\]\.(?:(?:set_quantity|add_line|remove_line|set_shipping_address)\.)?(.+)")


def beside_fields(errors: dict[str, str], body: dict[str, Any]) -> dict[str, str]:
    """Errors named after the EditOrder body (`changes[2].quantity`, from the schema or from
    the service) renamed after the form field that made that change (`add_qty`, `qty-<line>`,
    `addr_city`), so each shows beside its input; the rest stay under the form."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        m = _CHANGE_ERROR.fullmatch(key)
        change = body["changes"][int(m.group(1))] if m and int(m.group(1)) < len(
            body["changes"]) else None
        if m is None or change is None:
            out.setdefault(key, message)
            continue
        what = m.group(2)
        if change["op"] == "add_line":
            name = "add_sku" if what == "sku" else "add_qty"
        elif change["op"] == "set_shipping_address":
            name = f"addr_{what.rsplit('.', 1)[1]}" if "." in what else "addr_line1"
            out.setdefault("form", "Check the new shipping address")
        else:
            name = f"qty-{change['line_id']}"
        out.setdefault(name, message)
    whole = out.pop("changes", None)  # about the edit as a whole (no line left, too large)
    if whole:
        out["form"] = whole
    elif out.get("form") != "Check the new shipping address":
        out["form"] = "The edit was not saved: see the fields marked below"
    return out


@router.post("/orders/{order_id}/edit", dependencies=[Depends(check_csrf)])
def edit(request: Request, posted: PostedForm, order_id: str, actor: Writer) -> Response:
    form = clean(posted)
    body = edit_changes(form)
    if not body["changes"]:
        return _order_action(request, order_id, lambda c: None, form, {
            "form": "Change a quantity, remove a line, add one or change the address"})
    cmd, errors = parse(EditOrder, body)
    if cmd is None:
        return _order_action(request, order_id, lambda c: None, form,
                             beside_fields(errors, body))
    try:
        execute(request, lambda c: edit_flow.edit_order(c, order_id, cmd, actor))
    except DomainError as e:
        return _order_action(request, order_id, lambda c: None, form,
                             beside_fields(domain_errors(e), body))
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


# --- hold rules (settings, admin) ------------------------------------------------------------

def _split(value: Any) -> list[str]:
    return [x.strip().upper() for x in str(value or "").replace(";", ",").split(",")
            if x.strip()]


def rule_parameters(kind: str, form: dict[str, Any]) -> dict[str, Any]:
    """The settings form's fields as a rule's parameters (the service checks them)."""
    if kind == "order_total_above":
        limits: dict[str, Any] = {}
        for item in _split(form.get("limits")):
            cur, _, amount = item.replace(" ", "=").partition("=")
            limits[cur] = amount
        return {"limits": limits}
    if kind == "country_not_served":
        return {"countries": _split(form.get("countries"))}
    if kind == "order_velocity":
        def number(name: str) -> Any:
            raw = str(form.get(name, "")).strip()
            n = document_number(raw)
            return raw if n is None else n
        return {"orders": number("orders"), "minutes": number("minutes")}
    return {}


def _rules_page(request: Request, status: int = 200, errors: dict[str, str] | None = None,
                form: dict[str, Any] | None = None) -> Response:
    rules = read(request, hold_settings.list_rules)["items"]
    return render(request, "holds/rules.html", status, rules=rules, errors=errors or {},
                  form=form or {})


@router.get("/holds/rules")
def rules(request: Request, _: Annotated[Actor, Depends(page("settings:read"))]) -> Response:
    return _rules_page(request)


def _field(name: str) -> str:
    """parameters.limits.USD -> limits: errors shown beside the form field they came from."""
    parts = name.split(".")
    return parts[1] if parts[0] == "parameters" and len(parts) > 1 else name


@router.post("/holds/rules", dependencies=[Depends(check_csrf)])
def create_rule(request: Request, posted: PostedForm, _: Admin) -> Response:
    form = clean(posted)
    kind = str(form.get("kind", ""))
    params = rule_parameters(kind, form)
    cmd, errors = parse(HoldRuleCreate, {"kind": kind, "note": form.get("note"),
                                         "parameters": params})
    limit_problems = [p for cur, amount in params.get("limits", {}).items()
                      if (p := money_problem(amount, cur))]
    if limit_problems:
        cmd, errors = None, {**errors, "limits": limit_problems[0]}
    if cmd is not None:
        try:
            execute(request, lambda c: hold_settings.create_rule(c, cmd))
            return RedirectResponse("/holds/rules", status_code=303)
        except DomainError as e:
            errors = domain_errors(e)
    return _rules_page(request, 422, {_field(k): v for k, v in errors.items()}, form)


@router.post("/holds/rules/{rule_id}/toggle", dependencies=[Depends(check_csrf)])
def toggle_rule(request: Request, rule_id: str, _: Admin) -> Response:
    def run(conn: Connection) -> dict[str, Any]:
        rule = hold_settings.get_rule(conn, rule_id)
        return hold_settings.update_rule(conn, rule_id,
                                         HoldRuleUpdate(enabled=not rule["enabled"]))

    try:
        execute(request, run)
    except DomainError as e:
        return _rules_page(request, 422, domain_errors(e))
    return RedirectResponse("/holds/rules", status_code=303)

