"""Order edits after placement and before shipment: change a quantity, add or remove a line,
change the shipping address — versioned, re-priced and re-reserved as one command. The process
(lock, give back, re-plan, reserve, release) is flows/edit.py; this module is the orders side:
checking the changes, writing the lines, the totals and the revision.

All or nothing (the order is locked, everything not shipped given back and planned again):
see flows/edit.py.

Prices: kept lines keep their unit price and tax rate (a quantity change re-prices the line at
that price); added lines take today's catalogue price. Removed lines stay as rows with
quantity 0 — reservations, shipments and fulfilment lines name them — so order totals remain
the sum of the lines (`pesanan audit`).

Money: the edit records the balance due (net paid below the new total) or the refund due (net
paid above it) in the revision and on the timeline. A refund due is an order whose
amount_paid exceeds its total — allowed since migration 0006 and audited (only an edited order
may be overpaid) — until the refund is recorded (billing/returns).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import (
    Conflict,
    FieldError,
    Invalid,
    InvalidTransition,
    NotFound,
)
from pesanan.core.ids import new_id
from pesanan.core.money import fmt
from pesanan.events.service import emit
from pesanan.orders import service as orders
from pesanan.orders import status as st
from pesanan.orders.models import order_line, order_revision, sales_order
from pesanan.orders.pricing import Priceable, price_line, require_storable
from pesanan.orders.queries import order_number
from pesanan.orders.schemas import (
    AddLine,
    EditOrder,
    RemoveLine,
    SetQuantity,
    SetShippingAddress,
)

_update_line = (
    update(order_line)
    .where(order_line.c.id == bindparam("id_"))
    .values(quantity=bindparam("quantity"), subtotal=bindparam("subtotal"),
            tax=bindparam("tax"), total=bindparam("total"))
)


def check_editable(order: dict[str, Any], cmd: EditOrder) -> None:
    label = order_number(order["number"])
    orders.require_version(order, cmd.expected_version)
    if order["status"] in (st.OrderStatus.COMPLETED, st.OrderStatus.CANCELLED):
        raise InvalidTransition(f"order {label} is {order['status']} and cannot be edited")
    if order["fulfillment_status"] == st.FulfillmentStatus.FULFILLED:
        raise InvalidTransition(f"order {label} is fully shipped and cannot be edited; "
                                "return goods instead")


class EditPlan:
    """What the edit's changes ask for, checked against the order's lines (no database)."""

    def __init__(self) -> None:
        self.quantities: dict[str, int] = {}
        self.field_of: dict[str, str] = {}  # line id -> the change field that touched it
        self.adds: list[tuple[int, AddLine]] = []
        self.address: dict[str, Any] | None = None
        self.log: list[dict[str, Any]] = []


def read_changes(lines: list[dict[str, Any]], cmd: EditOrder) -> EditPlan:
    plan = EditPlan()
    plan.quantities = {x["id"]: x["quantity"] for x in lines}
    by_id = {x["id"]: x for x in lines}
    inv = Invalid()
    below: list[FieldError] = []
    for i, ch in enumerate(cmd.changes):
        f = f"changes[{i}]"
        if isinstance(ch, SetQuantity | RemoveLine):
            line = by_id.get(ch.line_id)
            if line is None or line["quantity"] == 0:
                inv.add(f"{f}.line_id", "unknown_line", f"the order has no line {ch.line_id}")
                continue
            if ch.line_id in plan.field_of:
                inv.add(f"{f}.line_id", "duplicate", "change a line once per edit")
                continue
            q = ch.quantity if isinstance(ch, SetQuantity) else 0
            plan.field_of[ch.line_id] = f"{f}.quantity" if q else f"{f}.line_id"
            if q < line["quantity_shipped"]:
                below.append(FieldError(
                    plan.field_of[ch.line_id], "below_shipped",
                    f"line {line['line_no']} ({line['sku']}) has {line['quantity_shipped']} "
                    f"unit(s) shipped; it cannot go below that"))
                continue
            plan.quantities[ch.line_id] = q
            plan.log.append({"op": ch.op, "line_id": line["id"], "sku": line["sku"],
                             "from": line["quantity"], "to": q})
        elif isinstance(ch, AddLine):
            plan.adds.append((i, ch))
        elif isinstance(ch, SetShippingAddress):
            if plan.address is not None:
                inv.add(f"{f}.op", "duplicate", "change the address once per edit")
                continue
            plan.address = ch.address.model_dump()
            plan.log.append({"op": ch.op, "to": plan.address})
    if not inv.errors and not plan.adds and not any(plan.quantities.values()):
        inv.add("changes", "no_lines_left", "an order keeps at least one line; cancel it instead")
    inv.raise_if_any("The edit has invalid changes")
    if below:
        raise Conflict("The edit would take a line below what was shipped", below)
    return plan


def added_lines(order: dict[str, Any], lines: list[dict[str, Any]],
                adds: list[tuple[int, AddLine]], catalog: Mapping[str, Priceable]
                ) -> list[dict[str, Any]]:
    """New lines at today's catalogue price, numbered after the existing ones."""
    cur = order["currency"]
    inv = Invalid()
    out = []
    next_no = max((x["line_no"] for x in lines), default=0) + 1
    for i, add in adds:
        item = catalog.get(add.sku)
        if item is None:
            inv.add(f"changes[{i}].sku", "unknown_sku", f"no product with SKU {add.sku}")
        elif not item.active:
            inv.add(f"changes[{i}].sku", "inactive", f"SKU {add.sku} is not for sale")
        elif item.currency != cur:
            inv.add(f"changes[{i}].sku", "wrong_currency",
                    f"SKU {add.sku} is priced in {item.currency}, the order in {cur}")
        else:
            priced = price_line(item.price, add.quantity, item.tax_rate, cur)
            out.append({
                "id": new_id(), "order_id": order["id"], "line_no": next_no,
                "product_id": item.id, "sku": item.sku, "name": item.name,
                "quantity": add.quantity, "quantity_shipped": 0, "unit_price": item.price,
                "tax_rate": item.tax_rate, "subtotal": priced.subtotal, "tax": priced.tax,
                "total": priced.total, "change_field": f"changes[{i}].quantity"})
            next_no += 1
    inv.raise_if_any("The edit has invalid changes")
    return out


def write_lines(conn: Connection, order: dict[str, Any], lines: list[dict[str, Any]],
                quantities: dict[str, int], added: list[dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """Re-price and write changed lines, insert added ones; returns every line as it now is."""
    cur = order["currency"]
    changed = []
    out = []
    for x in lines:
        q = quantities[x["id"]]
        if q != x["quantity"]:
            p = price_line(x["unit_price"], q, x["tax_rate"], cur)
            x = {**x, "quantity": q, "subtotal": p.subtotal, "tax": p.tax, "total": p.total}
            changed.append({"id_": x["id"], "quantity": q, "subtotal": p.subtotal,
                            "tax": p.tax, "total": p.total})
        out.append(x)
    # Checked before anything is written: a line past the money column fails in the driver.
    require_storable(sum((x["total"] for x in out + added), Decimal(0)), "changes")
    if changed:
        conn.execute(_update_line, changed)
    if added:
        conn.execute(order_line.insert(),
                     [{k: v for k, v in x.items() if k != "change_field"} for x in added])
    return out + added


def change_log(plan: EditPlan, added: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The revision's list of changes: the plan's, then one per added line."""
    return plan.log + [{"op": "add_line", "line_id": x["id"], "sku": x["sku"],
                        "quantity": x["quantity"], "unit_price": str(x["unit_price"])}
                       for x in added]


def left_to_ship(live: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What is left to ship of every line, as lines to source (sku, quantity, id, product_id)."""
    return [{"id": x["id"], "sku": x["sku"], "product_id": x["product_id"],
             "quantity": x["quantity"] - x["quantity_shipped"]}
            for x in live if x["quantity"] > x["quantity_shipped"]]


def change_errors(errors: list[FieldError], live: list[dict[str, Any]],
                  todo: list[dict[str, Any]], plan: EditPlan) -> list[FieldError]:
    """Sourcing's errors on `todo` (`lines[i]...`) renamed to the change that asked for the
    line, so InsufficientStock names the change that asked for too much."""
    fields = {x["id"]: x.get("change_field") or plan.field_of.get(x["id"]) for x in live}
    out = []
    for err in errors:
        i = int(err.field.split("[")[1].split("]")[0]) if err.field.startswith("lines[") \
            else None
        name = fields.get(todo[i]["id"]) if i is not None else None
        out.append(FieldError(name or "changes", err.code, err.message))
    return out


def _update_order(conn: Connection, order: dict[str, Any], live: list[dict[str, Any]],
                  address: dict[str, Any] | None) -> dict[str, Any]:
    """New totals and statuses on the order, as a compare-and-set on its version."""
    subtotal = sum((x["subtotal"] for x in live), Decimal(0))
    tax = sum((x["tax"] for x in live), Decimal(0))
    total = subtotal + tax
    financial = order["financial_status"]
    if financial in (st.FinancialStatus.PENDING, st.FinancialStatus.PARTIALLY_PAID,
                     st.FinancialStatus.PAID):
        # Derived again from what was paid: an edit is the one thing that can move it back
        # (a paid order whose total grows is partially paid again). Refund statuses stay.
        financial = st.financial_for(order["amount_paid"], total)
    shipped = sum(x["quantity_shipped"] for x in live)
    values: dict[str, Any] = {
        "subtotal": subtotal, "tax_total": tax, "total": total, "financial_status": financial,
        "fulfillment_status": st.fulfillment_for(shipped, sum(x["quantity"] for x in live)),
        "shipping_address": address, "updated_at": now()}
    done = conn.execute(update(sales_order).where(
        sales_order.c.id == order["id"], sales_order.c.version == order["version"]
    ).values({**values, "version": sales_order.c.version + 1}))
    if done.rowcount != 1:
        raise InvalidTransition(f"order {order['id']} changed concurrently")
    return {**values, "version": order["version"] + 1}


def record(conn: Connection, order: dict[str, Any], live: list[dict[str, Any]],
           address: dict[str, Any] | None, log: list[dict[str, Any]], cmd: EditOrder,
           actor: Actor) -> dict[str, Any]:
    """Update the order, then write the revision, the timeline and the event."""
    new = _update_order(conn, order, live, address)
    total = new["total"]
    net_paid = order["amount_paid"] - order.get("amount_refunded", Decimal(0))
    number = int(conn.execute(
        select(func.coalesce(func.max(order_revision.c.version), 0))
        .where(order_revision.c.order_id == order["id"])).scalar_one()) + 1
    row = {"id": new_id(), "order_id": order["id"], "version": number,
           "order_version": new["version"], "changes": log,
           "total_before": order["total"], "total_after": total,
           "amount_invoiced": order["amount_invoiced"], "amount_paid": net_paid,
           "balance_due": max(total - net_paid, Decimal(0)),
           "refund_due": max(net_paid - total, Decimal(0)), "note": cmd.note,
           "actor": actor.name, "created_at": now()}
    conn.execute(order_revision.insert(), row)
    view = revision_view(row, order["currency"])
    orders.note_event(conn, order["id"], "order.edited", _message(view, order), actor)
    for field in ("financial_status", "fulfillment_status"):
        before, after = order[field], new[field]
        if before != after:
            orders.note_event(conn, order["id"], f"{field}.changed",
                              f"{field.replace('_', ' ')}: {before} -> {after} (order edited)",
                              actor, field=field, from_status=before, to_status=after)
    emit(conn, "order.edited", "order", order["id"], {"order_id": order["id"], **view})
    return view


def _message(rev: dict[str, Any], order: dict[str, Any]) -> str:
    cur = order["currency"]
    parts = []
    for c in rev["changes"]:
        if c["op"] == "set_quantity":
            parts.append(f"{c['sku']} {c['from']} -> {c['to']}")
        elif c["op"] == "remove_line":
            parts.append(f"removed {c['sku']} ({c['from']})")
        elif c["op"] == "add_line":
            parts.append(f"added {c['quantity']}x {c['sku']} at {c['unit_price']}")
        else:
            parts.append(f"ship to {c['to']['city']}, {c['to']['country']}")
    money = (f"refund due {rev['refund_due']} {cur}" if Decimal(rev["refund_due"]) > 0
             else f"balance due {rev['balance_due']} {cur}")
    invoiced = order["amount_invoiced"]
    total = Decimal(rev["total_after"])
    if invoiced > total:
        money += f"; invoiced {fmt(invoiced - total, cur)} {cur} over the new total " \
                 "(credit note due)"
    return (f"Edited (revision {rev['version']}): {', '.join(parts)}; total "
            f"{rev['total_before']} -> {rev['total_after']} {cur}; {money}")


def revision_view(r: Any, currency: str) -> dict[str, Any]:
    return {
        "id": r["id"], "order_id": r["order_id"], "version": r["version"],
        "order_version": r["order_version"], "changes": r["changes"],
        "total_before": fmt(r["total_before"], currency),
        "total_after": fmt(r["total_after"], currency),
        "amount_invoiced": fmt(r["amount_invoiced"], currency),
        "amount_paid": fmt(r["amount_paid"], currency),
        "balance_due": fmt(r["balance_due"], currency),
        "refund_due": fmt(r["refund_due"], currency), "note": r["note"], "actor": r["actor"],
        "created_at": rfc3339(r["created_at"]),
    }


def list_revisions(conn: Connection, order_id: str) -> dict[str, Any]:
    cur = conn.execute(select(sales_order.c.currency).where(sales_order.c.id == order_id)
                       ).scalar()
    if cur is None:
        raise NotFound(f"order {order_id} not found")
    rows = conn.execute(select(order_revision).where(order_revision.c.order_id == order_id)
                        .order_by(order_revision.c.version)).mappings()
    return {"items": [revision_view(r, cur) for r in rows], "next_cursor": None}
