"""Transfers between locations: create -> ship -> receive (fully or in parts), or cancel a draft.

Shipping takes units off the source's on hand (never more than is available there: on hand -
reserved) and puts them in transit; receiving puts them on the destination's on hand. Each
side appends a stock movement referencing the transfer, so on_hand = SUM(movements) holds at
both ends and in transit = shipped - received is provable from the movements (audited).

No ledger entry: both locations belong to the company and book stock on the same inventory
account (1200), so a transfer moves no value between accounts. Costs stay moving-average per
product across locations; units in transit still weigh in the average (see service.receive).

Locking: the transfer row first (a compare-and-set on its status), then stock rows in lock
order (product id), so two commands on one transfer serialise and cannot deadlock with orders.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from pesanan.core.clock import now
from pesanan.core.errors import (
    FieldError,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from pesanan.core.ids import new_id
from pesanan.db.sequences import next_gapless
from pesanan.events.service import emit
from pesanan.inventory import locks, transfer_queries
from pesanan.inventory import service as stock
from pesanan.inventory.lookup import line_products, products_by_sku, unknown_location
from pesanan.inventory.models import (
    stock_level,
    stock_transfer,
    stock_transfer_event,
    stock_transfer_line,
)
from pesanan.inventory.schemas import TransferCreate, TransferReceive

OPEN = ("in_transit", "partially_received")


def note(conn: Connection, transfer_id: str, kind: str, message: str, actor: str) -> None:
    conn.execute(stock_transfer_event.insert(), {
        "id": new_id(), "transfer_id": transfer_id, "kind": kind, "message": message,
        "actor": actor, "created_at": now(),
    })


def _validate(conn: Connection, cmd: TransferCreate) -> dict[str, str]:
    """Every field error at once; returns SKU -> product id."""
    errors: list[FieldError] = []
    if not stock.location_exists(conn, cmd.from_location_id):
        errors.append(unknown_location("from_location_id"))
    if not stock.location_exists(conn, cmd.to_location_id):
        errors.append(unknown_location("to_location_id"))
    if cmd.from_location_id == cmd.to_location_id:
        errors.append(FieldError("to_location_id", "same_location",
                                 "a transfer goes to a different location"))
    found = line_products(conn, [x.sku for x in cmd.lines], errors, twice="SKU listed twice")
    if errors:
        raise ValidationFailed("The transfer cannot be created", errors)
    return {sku: p.id for sku, p in found.items()}


def _available(conn: Connection, location_id: str, product_ids: list[str]) -> dict[str, int]:
    rows = conn.execute(
        select(stock_level.c.product_id, stock_level.c.on_hand - stock_level.c.reserved)
        .where(stock_level.c.location_id == location_id,
               stock_level.c.product_id.in_(product_ids)))
    return {p: int(a) for p, a in rows}


def create_transfer(conn: Connection, cmd: TransferCreate, actor: str) -> dict[str, Any]:
    ids = _validate(conn, cmd)
    # An early, friendly refusal; shipping re-checks under the row lock, which is what counts.
    avail = _available(conn, cmd.from_location_id, list(ids.values()))
    short = [FieldError(f"lines[{i}].quantity", "insufficient_stock",
                        f"{avail.get(ids[x.sku], 0)} available at the source")
             for i, x in enumerate(cmd.lines) if avail.get(ids[x.sku], 0) < x.quantity]
    if short:
        raise InsufficientStock("The source location does not have that much available", short)
    tid, ts = new_id(), now()
    number = next_gapless(conn, "stock_transfer")
    conn.execute(stock_transfer.insert(), {
        "id": tid, "number": number, "from_location_id": cmd.from_location_id,
        "to_location_id": cmd.to_location_id, "status": "draft", "note": cmd.note,
        "created_at": ts, "updated_at": ts})
    conn.execute(stock_transfer_line.insert(), [
        {"id": new_id(), "transfer_id": tid, "product_id": ids[x.sku], "quantity": x.quantity,
         "quantity_shipped": 0, "quantity_received": 0} for x in cmd.lines])
    units = sum(x.quantity for x in cmd.lines)
    note(conn, tid, "created", f"Created: {len(cmd.lines)} SKU(s), {units} unit(s)", actor)
    view = transfer_queries.get_transfer(conn, tid)
    emit(conn, "stock.transfer_created", "stock_transfer", tid, view)
    return view


def _claim(conn: Connection, transfer_id: str, expected: tuple[str, ...], target: str | None,
           verb: str) -> None:
    """Compare-and-set the status (or just lock the row when target is None)."""
    values: dict[str, Any] = {"updated_at": now()}
    if target:
        values["status"] = target
    done = conn.execute(update(stock_transfer).where(
        stock_transfer.c.id == transfer_id, stock_transfer.c.status.in_(expected)).values(values))
    if done.rowcount == 1:
        return
    status = conn.execute(select(stock_transfer.c.status)
                          .where(stock_transfer.c.id == transfer_id)).scalar()
    if status is None:
        raise NotFound(f"transfer {transfer_id} not found")
    raise InvalidTransition(f"a {status} transfer cannot be {verb}")


def _lines(conn: Connection, transfer_id: str) -> list[Any]:
    """The transfer's lines in stock lock order (inventory/locks.py): one transfer moves one
    location's rows, so by product."""
    return locks.by_product(conn.execute(select(stock_transfer_line)
                                         .where(stock_transfer_line.c.transfer_id == transfer_id)))


def ship_transfer(conn: Connection, transfer_id: str, actor: str) -> dict[str, Any]:
    _claim(conn, transfer_id, ("draft",), "in_transit", "shipped")
    t = transfer_queries.transfer_row(conn, transfer_id)
    lines = _lines(conn, transfer_id)  # product order = lock order
    index = {x.id: i for i, x in enumerate(sorted(lines, key=lambda x: x.id))}  # as created
    short: list[FieldError] = []
    for line in lines:
        # Guard on the locked row: never ship units that are reserved for orders.
        done = conn.execute(
            update(stock_level)
            .where(stock_level.c.product_id == line.product_id,
                   stock_level.c.location_id == t["from_location_id"],
                   stock_level.c.on_hand - stock_level.c.reserved >= line.quantity)
            .values(on_hand=stock_level.c.on_hand - line.quantity, updated_at=now()))
        if done.rowcount != 1:
            short.append(FieldError(f"lines[{index[line.id]}].quantity", "insufficient_stock",
                                    "more than available at the source"))
            continue
        stock.record_movement(conn, line.product_id, t["from_location_id"], -line.quantity,
                              "transfer_out", None, "stock_transfer", transfer_id,
                              stock.unit_cost(conn, line.product_id))
        stock.ensure_level(conn, line.product_id, t["to_location_id"])
    if short:
        raise InsufficientStock("The source location no longer has that much available", short)
    conn.execute(update(stock_transfer_line)
                 .where(stock_transfer_line.c.transfer_id == transfer_id)
                 .values(quantity_shipped=stock_transfer_line.c.quantity))
    units = sum(x.quantity for x in lines)
    note(conn, transfer_id, "shipped", f"Shipped {units} unit(s)", actor)
    view = transfer_queries.get_transfer(conn, transfer_id)
    emit(conn, "stock.transfer_shipped", "stock_transfer", transfer_id, view)
    return view


def _to_receive(conn: Connection, lines: list[Any], cmd: TransferReceive
                ) -> list[tuple[Any, int]]:
    """(line, quantity) pairs to receive; all outstanding when no lines are given."""
    if not cmd.lines:
        return [(x, x.quantity_shipped - x.quantity_received) for x in lines
                if x.quantity_shipped > x.quantity_received]
    by_sku = {p.id: p.sku for p in products_by_sku(conn, (x.sku for x in cmd.lines)).values()}
    on_transfer = {by_sku.get(x.product_id): x for x in lines}
    errors: list[FieldError] = []
    out: list[tuple[Any, int]] = []
    seen: set[str] = set()
    for i, want in enumerate(cmd.lines):
        line = on_transfer.get(want.sku)
        if line is None:
            errors.append(FieldError(f"lines[{i}].sku", "not_on_transfer",
                                     f"SKU {want.sku} is not on this transfer"))
        elif want.sku in seen:
            errors.append(FieldError(f"lines[{i}].sku", "duplicate", "SKU listed twice"))
        elif want.quantity > line.quantity_shipped - line.quantity_received:
            errors.append(FieldError(
                f"lines[{i}].quantity", "exceeds_in_transit",
                f"only {line.quantity_shipped - line.quantity_received} in transit"))
        else:
            out.append((line, want.quantity))
        seen.add(want.sku)
    if errors:
        raise ValidationFailed("The receipt does not match what is in transit", errors)
    return locks.by_product(out, key=lambda x: x[0].product_id)


def receive_transfer(conn: Connection, transfer_id: str, cmd: TransferReceive, actor: str
                     ) -> dict[str, Any]:
    _claim(conn, transfer_id, OPEN, None, "received")  # locks the transfer row
    t = transfer_queries.transfer_row(conn, transfer_id)
    lines = _lines(conn, transfer_id)
    picks = _to_receive(conn, lines, cmd)
    for line, qty in picks:
        conn.execute(update(stock_transfer_line).where(stock_transfer_line.c.id == line.id)
                     .values(quantity_received=stock_transfer_line.c.quantity_received + qty))
        stock.ensure_level(conn, line.product_id, t["to_location_id"])
        conn.execute(update(stock_level)
                     .where(stock_level.c.product_id == line.product_id,
                            stock_level.c.location_id == t["to_location_id"])
                     .values(on_hand=stock_level.c.on_hand + qty, updated_at=now()))
        stock.record_movement(conn, line.product_id, t["to_location_id"], qty, "transfer_in",
                              None, "stock_transfer", transfer_id,
                              stock.unit_cost(conn, line.product_id))
    received = {line.id: qty for line, qty in picks}
    left = sum(x.quantity_shipped - x.quantity_received - received.get(x.id, 0) for x in lines)
    status = "partially_received" if left else "received"
    conn.execute(update(stock_transfer).where(stock_transfer.c.id == transfer_id)
                 .values(status=status))
    units = sum(received.values())
    note(conn, transfer_id, "received",
         f"Received {units} unit(s)" + (f"; {left} still in transit" if left else ""), actor)
    view = transfer_queries.get_transfer(conn, transfer_id)
    emit(conn, "stock.transfer_received", "stock_transfer", transfer_id, view)
    return view


def cancel_transfer(conn: Connection, transfer_id: str, actor: str) -> dict[str, Any]:
    """Only a draft can be cancelled: nothing has moved yet, so nothing needs undoing."""
    _claim(conn, transfer_id, ("draft",), "cancelled", "cancelled")
    note(conn, transfer_id, "cancelled", "Cancelled before shipping", actor)
    view = transfer_queries.get_transfer(conn, transfer_id)
    emit(conn, "stock.transfer_cancelled", "stock_transfer", transfer_id, view)
    return view
