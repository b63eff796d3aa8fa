"""Purchasing's part of receiving a purchase order, fully or partly, in two steps around the
backorder release (the receipt flow, flows/receiving.py, runs them in order):

1. `take_in`: lock the PO, check the receipt against it, count the units in on its lines and
   put them in stock at the PO's location (re-weighting the moving-average cost).
2. `book`: Dr Inventory / Cr Accounts payable at the PO's unit costs, the PO's status moved on,
   one `purchase_order.received` event.

All in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, update

from pesanan.core.actor import Actor
from pesanan.core.errors import Conflict, Invalid, InvalidTransition
from pesanan.core.money import fmt, quantize_minor
from pesanan.events.service import emit
from pesanan.inventory import locks as stock_locks
from pesanan.inventory import service as inventory
from pesanan.ledger import postings
from pesanan.ledger import service as ledger
from pesanan.purchasing import locks
from pesanan.purchasing import queries as qs
from pesanan.purchasing import status as st
from pesanan.purchasing.lifecycle import set_status
from pesanan.purchasing.models import purchase_order_line
from pesanan.purchasing.schemas import ReceivePurchaseOrder


def _outstanding(line: dict[str, Any]) -> int:
    return int(line["quantity"]) - int(line["quantity_received"])


def receipt_quantities(lines: list[dict[str, Any]], cmd: ReceivePurchaseOrder
                       ) -> dict[str, int]:
    """Units to receive per PO line id. No lines asked for means everything outstanding; asking
    for more than is outstanding (counting repeats of one line together) is refused."""
    if not cmd.lines:
        return {x["id"]: _outstanding(x) for x in lines if _outstanding(x) > 0}
    by_id = {x["id"]: x for x in lines}
    by_sku = {x["sku"]: x for x in lines}  # a PO holds each SKU once (see create_purchase_order)
    inv = Invalid()
    wanted: dict[str, int] = {}
    for i, asked in enumerate(cmd.lines):
        if asked.sku is not None:
            line, field = by_sku.get(asked.sku), f"lines[{i}].sku"
        else:
            line, field = by_id.get(asked.purchase_order_line_id or ""), \
                f"lines[{i}].purchase_order_line_id"
        if line is None:
            inv.add(field, "not_on_order", "this purchase order has no such line")
            continue
        total = wanted.get(line["id"], 0) + asked.quantity
        if total > _outstanding(line):
            inv.add(f"lines[{i}].quantity", "exceeds_outstanding",
                    f"{line['sku']}: {total} to receive, {_outstanding(line)} outstanding")
            continue
        wanted[line["id"]] = total
    inv.raise_if_any("The receipt does not match the purchase order")
    return wanted


def _take_in(conn: Connection, po: dict[str, Any], line: dict[str, Any], quantity: int) -> None:
    # The guard repeats the check made under the PO lock: a bug, not a race, would trip it.
    done = conn.execute(
        update(purchase_order_line)
        .where(purchase_order_line.c.id == line["id"],
               purchase_order_line.c.quantity_received + quantity
               <= purchase_order_line.c.quantity)
        .values(quantity_received=purchase_order_line.c.quantity_received + quantity)
    )
    if done.rowcount != 1:
        raise Conflict(f"purchase order line {line['id']} cannot take {quantity} more")
    inventory.receive(conn, product_id=line["product_id"], location_id=po["location_id"],
                      quantity=quantity, unit_cost_=line["unit_cost"], currency=po["currency"],
                      ref_type="purchase_order", ref_id=po["id"])


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt taken in: the locked PO, all its lines, the units received per line id, and
    the lines received in product id order."""

    po: dict[str, Any]
    lines: list[dict[str, Any]]
    wanted: dict[str, int]
    taken: list[dict[str, Any]]


def take_in(conn: Connection, po_id: str, cmd: ReceivePurchaseOrder) -> Receipt:
    po = locks.purchase_order_row(conn, po_id)
    if po["status"] not in st.OPEN:
        raise InvalidTransition(f"a {po['status']} purchase order cannot be received")
    lines = qs.po_lines(conn, [po_id])[po_id]
    wanted = receipt_quantities(lines, cmd)
    # Products in id order: inventory.receive locks each product's cost row, and a fixed order
    # keeps two receipts sharing products from deadlocking.
    taken = stock_locks.by_product((x for x in lines if x["id"] in wanted),
                                   key=lambda x: x["product_id"])
    for line in taken:
        _take_in(conn, po, line, wanted[line["id"]])
    return Receipt(po, lines, wanted, taken)


def book(conn: Connection, receipt: Receipt, actor: Actor) -> dict[str, Any]:
    """Post the goods received, move the PO's status on, emit the event; the PO's view."""
    po, lines, wanted, taken = receipt.po, receipt.lines, receipt.wanted, receipt.taken
    po_id, currency = po["id"], po["currency"]
    value = quantize_minor(
        sum((x["unit_cost"] * wanted[x["id"]] for x in taken), Decimal(0)), currency)
    number = qs.po_number(po["number"])
    ledger.post(conn, currency=currency, memo=f"Goods received on {number}",
                source_type="purchase_order", source_id=po_id,
                lines=postings.goods_received(value))
    left = sum(_outstanding(x) for x in lines) - sum(wanted.values())
    set_status(conn, po, st.after_receipt(left))
    view = qs.get_purchase_order(conn, po_id)
    emit(conn, "purchase_order.received", "purchase_order", po_id, {
        "id": po_id, "number": number, "status": view["status"], "currency": currency,
        "value": fmt(value, currency), "received_by": actor.name,
        "lines": [{"purchase_order_line_id": x["id"], "sku": x["sku"],
                   "quantity": wanted[x["id"]], "unit_cost": fmt(x["unit_cost"], currency)}
                  for x in taken],
    })
    return view
