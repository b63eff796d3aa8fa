"""Purchasing commands: suppliers, offers, reorder rules, purchase orders, replenish.

The lifecycle (submit, cancel) lives in its own module and is re-exported here, so entrypoints
call one module: `from pesanan.purchasing import service as purchasing`. Receiving a purchase
order spans domains (it releases backorders): flows/receiving.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError

from pesanan.catalog import queries as catalog
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError, Invalid, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.core.money import MoneyError, check_currency, quantize_minor, read_amount
from pesanan.db.sequences import next_number
from pesanan.events.service import emit
from pesanan.inventory import service as inventory
from pesanan.purchasing import locks, reorder
from pesanan.purchasing import queries as qs
from pesanan.purchasing import status as st
from pesanan.purchasing.lifecycle import cancel_purchase_order, submit_purchase_order
from pesanan.purchasing.models import (
    purchase_order,
    purchase_order_line,
    supplier,
    supplier_offer,
)
from pesanan.purchasing.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    ReorderRuleSet,
    Replenish,
    SupplierCreate,
    SupplierOfferCreate,
)

__all__ = [
    "cancel_purchase_order", "create_offer", "create_purchase_order", "create_supplier",
    "replenish", "set_reorder_rule", "submit_purchase_order",
]

# (product_id, quantity, unit_cost) of a line about to be drafted.
DraftLine = tuple[str, int, Decimal]


def _known_currency(inv: Invalid, currency: str) -> bool:
    try:
        check_currency(currency)
    except MoneyError as e:
        inv.add("currency", "unknown_currency", str(e))
        return False
    return True


# --- suppliers and offers ----------------------------------------------------------------------

def create_supplier(conn: Connection, cmd: SupplierCreate) -> dict[str, Any]:
    inv = Invalid()
    _known_currency(inv, cmd.currency)
    inv.raise_if_any()
    duplicate = Conflict(f"supplier {cmd.name} already exists",
                         [FieldError("name", "duplicate", "supplier name must be unique")])
    if conn.execute(select(supplier.c.id).where(supplier.c.name == cmd.name)).first():
        raise duplicate
    email = cmd.email.lower() if cmd.email else None
    row: dict[str, Any] = {"id": new_id(), "name": cmd.name, "email": email,
                           "currency": cmd.currency, "created_at": now()}
    try:
        with conn.begin_nested():
            conn.execute(supplier.insert(), row)
    except IntegrityError:  # a concurrent create of the same name won the unique index
        raise duplicate from None
    view = qs.supplier_view(row)
    emit(conn, "supplier.created", "supplier", row["id"], view)
    return view


def create_offer(conn: Connection, cmd: SupplierOfferCreate) -> dict[str, Any]:
    inv = Invalid()
    sup = qs.supplier_row(conn, cmd.supplier_id)
    prod = catalog.ids_by_sku(conn, [cmd.sku]).get(cmd.sku)
    if sup is None:
        inv.add("supplier_id", "unknown_supplier", f"no supplier {cmd.supplier_id}")
    if prod is None:
        inv.add("sku", "unknown_sku", f"no product with SKU {cmd.sku}")
    price = Decimal(0)
    if _known_currency(inv, cmd.currency):
        price = read_amount(cmd.price, cmd.currency, inv, "price")
        if price <= 0 and not any(e.field == "price" for e in inv.errors):
            inv.add("price", "not_positive", "an offer's price must be above zero")
        # One currency per offer, supplier and product: the moving-average cost and the
        # payable are kept in the product's currency, and there is no FX here.
        for owner, row in (("supplier", sup), ("product", prod)):
            if row is not None and row["currency"] != cmd.currency:
                inv.add("currency", "wrong_currency",
                        f"the {owner} trades in {row['currency']}, not {cmd.currency}")
    inv.raise_if_any("The supplier offer is invalid")
    assert prod is not None
    duplicate = Conflict(f"supplier {cmd.supplier_id} already offers {cmd.sku}",
                         [FieldError("sku", "duplicate", "one offer per supplier and SKU")])
    row = {"id": new_id(), "supplier_id": cmd.supplier_id, "product_id": prod["id"],
           "price": price, "currency": cmd.currency, "lead_time_days": cmd.lead_time_days,
           "min_order_qty": cmd.min_order_qty, "created_at": now()}
    if conn.execute(select(supplier_offer.c.id).where(
            supplier_offer.c.supplier_id == cmd.supplier_id,
            supplier_offer.c.product_id == prod["id"])).first():
        raise duplicate
    try:
        with conn.begin_nested():
            conn.execute(supplier_offer.insert(), row)
    except IntegrityError:
        raise duplicate from None
    view = qs.offer_view({**row, "sku": cmd.sku})
    emit(conn, "supplier_offer.created", "supplier_offer", row["id"], view)
    return view


# --- reorder rules -----------------------------------------------------------------------------

_upsert_rule = text(
    "INSERT INTO reorder_rule (product_id, location_id, reorder_point, reorder_qty) "
    "VALUES (:p, :l, :point, :qty) ON CONFLICT (product_id, location_id) DO UPDATE SET "
    "reorder_point = excluded.reorder_point, reorder_qty = excluded.reorder_qty"
)


def set_reorder_rule(conn: Connection, cmd: ReorderRuleSet) -> dict[str, Any]:
    """Create or replace the rule for one SKU at one location (an upsert, so it is idempotent
    and two concurrent writers cannot both insert)."""
    inv = Invalid()
    prod = catalog.ids_by_sku(conn, [cmd.sku]).get(cmd.sku)
    if prod is None:
        inv.add("sku", "unknown_sku", f"no product with SKU {cmd.sku}")
    if not inventory.location_exists(conn, cmd.location_id):
        inv.add("location_id", "unknown_location", "no such location")
    inv.raise_if_any("The reorder rule is invalid")
    assert prod is not None
    conn.execute(_upsert_rule, {"p": prod["id"], "l": cmd.location_id,
                                "point": cmd.reorder_point, "qty": cmd.reorder_qty})
    view = qs.get_rule(conn, prod["id"], cmd.location_id)
    emit(conn, "reorder_rule.set", "product", prod["id"], view)
    return view


# --- purchase orders ---------------------------------------------------------------------------

def _draft(conn: Connection, sup: dict[str, Any], location_id: str, lines: list[DraftLine],
           expected_at: datetime | None, actor: Actor, origin: str) -> dict[str, Any]:
    """Write one draft purchase order with its lines and announce it."""
    currency = sup["currency"]
    po_id, ts = new_id(), now()
    total = quantize_minor(sum((cost * qty for _, qty, cost in lines), Decimal(0)), currency)
    conn.execute(purchase_order.insert(), {
        "id": po_id, "number": next_number(conn, "purchase_order_number"),
        "supplier_id": sup["id"], "location_id": location_id, "status": st.POStatus.DRAFT.value,
        "currency": currency, "total": total, "expected_at": expected_at, "created_at": ts,
        "updated_at": ts,
    })
    conn.execute(purchase_order_line.insert(), [
        {"id": new_id(), "purchase_order_id": po_id, "product_id": product_id,
         "quantity": qty, "quantity_received": 0, "unit_cost": cost}
        for product_id, qty, cost in lines
    ])
    view = qs.get_purchase_order(conn, po_id)
    emit(conn, "purchase_order.drafted", "purchase_order", po_id,
         {**view, "origin": origin, "drafted_by": actor.name})
    return view


def _po_line(inv: Invalid, i: int, line: PurchaseOrderLineIn, prod: dict[str, Any] | None,
             offer: reorder.Offer | None, currency: str) -> DraftLine | None:
    field = f"lines[{i}]"
    if prod is None:
        inv.add(f"{field}.sku", "unknown_sku", f"no product with SKU {line.sku}")
        return None
    if prod["currency"] != currency:
        inv.add(f"{field}.sku", "wrong_currency",
                f"SKU {line.sku} is costed in {prod['currency']}, the supplier in {currency}")
        return None
    if offer is not None and line.quantity < offer.min_order_qty:
        inv.add(f"{field}.quantity", "below_min_order_qty",
                f"the supplier sells {line.sku} from {offer.min_order_qty} units")
    if line.unit_cost is not None:
        cost = read_amount(line.unit_cost, currency, inv, f"{field}.unit_cost")
        if cost < 0:
            inv.add(f"{field}.unit_cost", "negative", "a unit cost must not be negative")
    elif offer is not None:
        cost = offer.price
    else:
        inv.add(f"{field}.unit_cost", "no_offer",
                f"the supplier has no offer for {line.sku}; give a unit_cost")
        return None
    return prod["id"], line.quantity, cost


def create_purchase_order(conn: Connection, cmd: PurchaseOrderCreate, actor: Actor
                          ) -> dict[str, Any]:
    inv = Invalid()
    sup = qs.supplier_row(conn, cmd.supplier_id)
    if sup is None:
        inv.add("supplier_id", "unknown_supplier", f"no supplier {cmd.supplier_id}")
    if not inventory.location_exists(conn, cmd.location_id):
        inv.add("location_id", "unknown_location", "no such location")
    inv.raise_if_any("The purchase order is invalid")
    assert sup is not None
    products = catalog.ids_by_sku(conn, sorted({x.sku for x in cmd.lines}))
    offers = qs.offers_of_supplier(conn, sup["id"], [p["id"] for p in products.values()])
    lines: list[DraftLine] = []
    seen: set[str] = set()
    for i, line in enumerate(cmd.lines):
        if line.sku in seen:
            inv.add(f"lines[{i}].sku", "duplicate", f"SKU {line.sku} is on the order twice")
            continue
        seen.add(line.sku)
        prod = products.get(line.sku)
        drafted = _po_line(inv, i, line, prod, offers.get(prod["id"]) if prod else None,
                           sup["currency"])
        if drafted is not None:
            lines.append(drafted)
    inv.raise_if_any("The purchase order has invalid lines")
    expected = cmd.expected_at
    leads = [offers[p].lead_time_days for p, _, _ in lines if p in offers]
    if expected is None and leads:
        expected = now() + timedelta(days=max(leads))
    return _draft(conn, sup, cmd.location_id, lines, expected, actor, "manual")


def replenish(conn: Connection, actor: Actor, cmd: Replenish | None = None) -> dict[str, Any]:
    """Draft purchase orders for every SKU and location below its reorder point (rules in
    pesanan.purchasing.reorder), or only at `cmd.location_id`. Returns {"items": drafted
    orders, "unsourced": positions below their reorder point that no supplier offers}."""
    only = cmd.location_id if cmd else None
    if only is not None and not inventory.location_exists(conn, only):
        raise ValidationFailed("No such location",
                               [FieldError("location_id", "unknown_location", "no such location")])
    locks.reorder_rules(conn)
    positions = [p for p in qs.reorder_positions(conn) if only is None or p.location_id == only]
    short = [p for p in positions
             if reorder.needed_quantity(p.available, p.incoming, p.reorder_point, p.reorder_qty)]
    offers = qs.offers_by_product(conn, {p.product_id for p in short}) if short else {}
    decided = reorder.plan(short, offers)
    ts = now()
    drafted = []
    for d in decided.drafts:
        sup = qs.supplier_row(conn, d.supplier_id)
        assert sup is not None  # offers reference suppliers by foreign key
        lines = [(x.product_id, x.quantity, x.offer.price) for x in d.lines]
        drafted.append(_draft(conn, sup, d.location_id, lines,
                              ts + timedelta(days=d.lead_time_days), actor, "replenish"))
    unsourced = [
        {"sku": p.sku, "product_id": p.product_id, "location_id": p.location_id,
         "available": p.available, "incoming": p.incoming, "reorder_point": p.reorder_point}
        for p in decided.unsourced
    ]
    return {"items": drafted, "unsourced": unsourced}
