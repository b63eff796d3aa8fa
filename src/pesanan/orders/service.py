"""Order commands on the orders' own tables: a new order with its lines, the timeline, the
status changes other domains ask for (complete, shipped units) and the checks a command makes
on a locked order (version, cancellable). The processes that span domains — place, cancel,
edit, hold — are flows (pesanan/flows/) that call these.

Place order is the hot path (flows/place_order.py): a fixed, small number of statements per
order — see bench/place_orders.py for the figures. `insert_order` is its two inserts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import (
    Conflict,
    FieldError,
    Invalid,
    InvalidTransition,
    ValidationFailed,
)
from pesanan.core.ids import new_id
from pesanan.customers import queries as customers
from pesanan.db.hot import Hot
from pesanan.db.rows import insert_rows
from pesanan.db.sequences import next_number
from pesanan.events.service import emit
from pesanan.inventory import service as inventory
from pesanan.orders import status as st
from pesanan.orders.models import order_event, order_line, sales_order
from pesanan.orders.pricing import Priceable, Totals, price_line, totals
from pesanan.orders.queries import order_number
from pesanan.orders.schemas import PlaceOrder


def price_lines(order_id: str, items: Sequence[tuple[Priceable, int]], currency: str
                ) -> tuple[list[dict[str, Any]], Totals]:
    """A new order's line rows (item, quantity, in order) at the items' prices, and the totals."""
    lines: list[dict[str, Any]] = []
    priced_lines = []
    for i, (item, quantity) in enumerate(items):
        priced = price_line(item.price, quantity, item.tax_rate, currency)
        priced_lines.append(priced)
        lines.append({
            "id": new_id(), "order_id": order_id, "line_no": i + 1, "product_id": item.id,
            "sku": item.sku, "name": item.name, "quantity": quantity, "quantity_shipped": 0,
            "unit_price": item.price, "tax_rate": item.tax_rate, "subtotal": priced.subtotal,
            "tax": priced.tax, "total": priced.total,
        })
    return lines, totals(priced_lines)


def insert_order(conn: Connection, cmd: PlaceOrder, *, order_id: str, currency: str,
                 sums: Totals, status: str, placed_at: datetime, lines: list[dict[str, Any]],
                 number: int | None = None) -> dict[str, Any]:
    """Insert a new order and its lines (from `price_lines`); returns the order row.
    `number`: one taken already from the order number sequence (PostgreSQL: the catalogue
    read of a placement takes it), else the insert takes one."""
    order = {
        "id": order_id, "channel": cmd.channel, "customer_id": cmd.customer_id,
        "currency": currency, "status": status,
        "financial_status": st.FinancialStatus.PENDING,
        "fulfillment_status": st.FulfillmentStatus.UNFULFILLED,
        "subtotal": sums.subtotal, "tax_total": sums.tax_total, "total": sums.total,
        "amount_invoiced": Decimal(0), "amount_paid": Decimal(0), "keyed_by": cmd.keyed_by,
        "keyed_at_location_id": cmd.keyed_at_location_id,
        "shipping_address": order_address(cmd),
        "note": cmd.note, "version": 1, "placed_at": placed_at, "updated_at": placed_at,
    }
    order["number"] = _insert_order(conn, cmd, order, number)
    insert_rows(conn, order_line, lines)
    return order


def order_address(cmd: PlaceOrder) -> dict[str, Any] | None:
    return cmd.shipping_address.model_dump() if cmd.shipping_address else None


def note_sourcing(conn: Connection, order_id: str, reasons: list[str], actor: Actor | None,
                  most: int = 10) -> None:
    """Explain a split or a backorder on the timeline: the reasons, packed into notes of at
    most 500 characters, at most `most` notes (the dry-run plan shows every line)."""
    notes: list[str] = []
    for reason in reasons:
        if notes and len(notes[-1]) + len(reason) + 2 <= 500:
            notes[-1] += "; " + reason
        else:
            notes.append(reason)
    for i, text in enumerate(notes[:most]):
        if i == most - 1 and len(notes) > most:
            text = f"{text[:440]} … and {len(notes) - most} more note(s) of reasons"
        note_event(conn, order_id, "order.sourced", text, actor)


def check_lines(conn: Connection, cmd: PlaceOrder, catalog: Mapping[str, Priceable]) -> str:
    """Every line names an active SKU in the order's currency; returns the currency. On SQLite
    the customer and location are checked here too (see _insert_order for PostgreSQL)."""
    inv = Invalid()
    if conn.dialect.name != "postgresql":
        _check_references(conn, cmd, inv)
    currency = cmd.currency
    for i, line in enumerate(cmd.lines):
        item = catalog.get(line.sku)
        if item is None:
            inv.add(f"lines[{i}].sku", "unknown_sku", f"no product with SKU {line.sku}")
        elif not item.active:
            inv.add(f"lines[{i}].sku", "inactive", f"SKU {line.sku} is not for sale")
        else:
            currency = currency or item.currency
            if item.currency != currency:
                inv.add(f"lines[{i}].sku", "wrong_currency",
                        f"SKU {line.sku} is priced in {item.currency}, the order in {currency}")
    inv.raise_if_any("The order has invalid lines")
    assert currency is not None
    return currency


def _check_references(conn: Connection, cmd: PlaceOrder, inv: Invalid) -> None:
    if not customers.exists(conn, cmd.customer_id):
        inv.add("customer_id", "unknown_customer", f"no customer {cmd.customer_id}")
    if cmd.keyed_at_location_id and not inventory.location_exists(conn, cmd.keyed_at_location_id):
        inv.add("keyed_at_location_id", "unknown_location", "no such location")


# PostgreSQL: the order number comes from its sequence inside the INSERT, and the foreign keys
# check the customer and location — two statements fewer on the hot path. A violated key names
# its constraint, so the caller still gets a field error.
_ORDER_COLS = ("id", "channel", "customer_id", "currency", "status", "financial_status",
               "fulfillment_status", "subtotal", "tax_total", "total", "amount_invoiced",
               "amount_paid", "keyed_by", "keyed_at_location_id", "shipping_address", "note",
               "version", "placed_at", "updated_at")
_insert_order_pg = Hot(
    sales_order.insert()
    .values(number=func.nextval("order_number_seq"))
    .returning(sales_order.c.number),
    columns=_ORDER_COLS,
)
_insert_order_numbered = Hot(sales_order.insert(), columns=(*_ORDER_COLS, "number"))
_insert_event = Hot(order_event.insert(), columns=(
    "id", "order_id", "kind", "field", "from_status", "to_status", "message", "actor",
    "occurred_at"))
_FK_FIELDS = {
    "fk_sales_order_customer_id_customer": ("customer_id", "unknown_customer", "no such customer"),
    "fk_sales_order_keyed_at_location_id_location": (
        "keyed_at_location_id", "unknown_location", "no such location"),
}


def _insert_order(conn: Connection, cmd: PlaceOrder, order: dict[str, Any],
                  number: int | None) -> int:
    if conn.dialect.name != "postgresql":
        value = next_number(conn, "order_number")
        _insert_order_numbered.execute(conn, {**order, "number": value})
        return value
    if number is not None:
        # Sent: in a pipelined placement (db/pipeline.py) a violated foreign key surfaces
        # before COMMIT, and is the same field error.
        _insert_order_numbered.send(conn, {**order, "number": number},
                                    translate=_missing_reference)
        return number
    try:
        return int(_insert_order_pg.all(conn, order)[0][0])
    except IntegrityError as exc:
        refused = _missing_reference(exc)
        if refused is None:
            raise
        raise refused from None


def _missing_reference(exc: DBAPIError) -> ValidationFailed | None:
    """A foreign key of the order violated: the field it names, as the caller wrote it."""
    if not isinstance(exc, IntegrityError):
        return None
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if name not in _FK_FIELDS:
        return None
    field, code, message = _FK_FIELDS[name]
    return ValidationFailed(f"The order refers to something that does not exist: {field}",
                            [FieldError(field, code, message)])


def note_event(conn: Connection, order_id: str, kind: str, message: str, actor: Actor | None,
               *, field: str | None = None, from_status: str | None = None,
               to_status: str | None = None) -> None:
    """Append to the order's timeline."""
    _insert_event.send(conn, {
        "id": new_id(), "order_id": order_id, "kind": kind, "field": field,
        "from_status": from_status, "to_status": to_status, "message": message[:500],
        "actor": actor.name if actor else None, "occurred_at": now(),
    })


def set_status(conn: Connection, order: dict[str, Any], field: str, target: str,
               actor: Actor | None, message: str | None = None, **values: Any) -> None:
    """Move one status by its table, as a compare-and-set, and write the timeline."""
    current = order[field]
    if current == target and not values:
        return
    if current != target:
        st.check(field, current, target)
    done = conn.execute(
        update(sales_order)
        .where(sales_order.c.id == order["id"], sales_order.c[field] == current)
        .values({field: target, "version": sales_order.c.version + 1, "updated_at": now(),
                 **values})
    )
    if done.rowcount != 1:
        raise InvalidTransition(f"order {order['id']} {field} changed concurrently")
    order.update({field: target, **values})
    order["version"] += 1
    if current != target:
        note_event(conn, order["id"], f"{field}.changed",
                   message or f"{field.replace('_', ' ')}: {current} -> {target}", actor,
                   field=field, from_status=current, to_status=target)


def check_cancellable(order: dict[str, Any]) -> None:
    """Refuse to cancel a (locked) order that has shipped or been invoiced."""
    if order["fulfillment_status"] != st.FulfillmentStatus.UNFULFILLED:
        raise InvalidTransition("a shipped order cannot be cancelled; return it instead")
    if order["amount_invoiced"] > 0:
        raise InvalidTransition("an invoiced order cannot be cancelled until it is credited")
    st.check("status", order["status"], st.OrderStatus.CANCELLED)


def require_version(order: dict[str, Any], expected: int | None) -> None:
    """Refuse (409) a command made against an older `version` of a locked order: an edit,
    a shipment (flows.shipping.ship_order), anything that names what it read."""
    if expected is not None and expected != order["version"]:
        raise Conflict(
            f"order {order_number(order['number'])} changed since version {expected} (it is at "
            f"version {order['version']}); read it again and redo the request",
            [FieldError("expected_version", "stale", f"the order is at version "
                        f"{order['version']}")])


def try_complete(conn: Connection, order: dict[str, Any], all_delivered: bool,
                 actor: Actor | None) -> bool:
    """Complete an open order once it is fulfilled, delivered and paid. Called by fulfillment
    (after delivery) and billing (after payment), whichever comes last."""
    if not st.is_complete(order["status"], order["financial_status"],
                          order["fulfillment_status"], all_delivered):
        return False
    set_status(conn, order, "status", st.OrderStatus.COMPLETED, actor,
               "Order completed: delivered and paid")
    emit(conn, "order.completed", "order", order["id"], {"id": order["id"]})
    return True


def record_shipped(conn: Connection, order: dict[str, Any], units: dict[str, int],
                   actor: Actor | None) -> None:
    """Add shipped units to the order's lines (called by fulfillment with the order locked) and
    move the fulfillment status to what the totals imply. The guard keeps shipped <= ordered
    even if a caller's plan was wrong."""
    params = [{"line_id_": line_id, "units_": n} for line_id, n in units.items()]
    done = conn.execute(
        update(order_line)
        .where(order_line.c.id == bindparam("line_id_"), order_line.c.order_id == order["id"],
               order_line.c.quantity_shipped + bindparam("units_") <= order_line.c.quantity)
        .values(quantity_shipped=order_line.c.quantity_shipped + bindparam("units_")),
        params,
    )
    if done.rowcount != len(params):
        raise InvalidTransition(f"order {order['id']}: cannot ship more than was ordered")
    shipped, ordered = shipped_totals(conn, order["id"])
    # updated_at also bumps the version when the status stays partially_fulfilled: lines changed.
    set_status(conn, order, "fulfillment_status", st.fulfillment_for(shipped, ordered), actor,
               updated_at=now())


def shipped_totals(conn: Connection, order_id: str) -> tuple[int, int]:
    """(units shipped, units ordered) for an order."""
    row = conn.execute(
        select(func.coalesce(func.sum(order_line.c.quantity_shipped), 0),
               func.coalesce(func.sum(order_line.c.quantity), 0))
        .where(order_line.c.order_id == order_id)
    ).one()
    return int(row[0]), int(row[1])
