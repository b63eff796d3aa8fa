"""Catalogue commands."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from pesanan.catalog.models import product
from pesanan.catalog.queries import product_view
from pesanan.catalog.schemas import ProductCreate, ProductUpdate
from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError, Invalid, NotFound, PreconditionFailed
from pesanan.core.ids import new_id
from pesanan.core.money import MoneyError, check_currency, read_amount
from pesanan.events.service import emit


def _tax_rate(text: str, inv: Invalid) -> Decimal:
    """A tax rate is a fraction (0.11 is 11 %): 1 or more is refused here, beside the field,
    rather than by the table's CHECK as a 500."""
    rate = Decimal(text)
    if rate >= 1:
        inv.add("tax_rate", "out_of_range",
                f"a tax rate is a fraction below 1: 0.11 for 11 %, not {text}")
    return rate


def create_product(conn: Connection, cmd: ProductCreate) -> dict[str, Any]:
    inv = Invalid()
    tax_rate = _tax_rate(cmd.tax_rate, inv)
    try:
        check_currency(cmd.currency)
    except MoneyError as e:
        inv.add("currency", "unknown_currency", str(e))
        inv.raise_if_any()
    price = read_amount(cmd.price, cmd.currency, inv, "price")
    cost = read_amount(cmd.standard_cost, cmd.currency, inv, "standard_cost")
    if price < 0:
        inv.add("price", "negative", "price must not be negative")
    if cost < 0:
        inv.add("standard_cost", "negative", "standard cost must not be negative")
    inv.raise_if_any()
    ts = now()
    row = {"id": new_id(), "sku": cmd.sku, "name": cmd.name, "price": price,
           "currency": cmd.currency, "tax_rate": tax_rate, "standard_cost": cost,
           "active": cmd.active, "oversell_policy": cmd.oversell_policy,
           "backorder_limit": cmd.backorder_limit, "backorder_open": 0,
           "version": 1, "created_at": ts, "updated_at": ts}
    if conn.execute(select(product.c.id).where(product.c.sku == cmd.sku)).first():
        raise Conflict(f"SKU {cmd.sku} already exists",
                       [FieldError("sku", "duplicate", "SKU must be unique")])
    try:
        with conn.begin_nested():
            conn.execute(product.insert(), row)
    except IntegrityError:  # a concurrent create of the same SKU won the unique index
        raise Conflict(f"SKU {cmd.sku} already exists",
                       [FieldError("sku", "duplicate", "SKU must be unique")]) from None
    view = product_view(row)
    emit(conn, "product.created", "product", str(row["id"]), view)
    return view


def _oversell(cmd: ProductUpdate, current: Any, values: dict[str, Any]) -> None:
    """Oversell policy (issue 4). The limit may not drop below the units already on open
    backorder (a CHECK holds it too); back to `deny` keeps those backorders, takes no more."""
    if cmd.oversell_policy is not None:
        values["oversell_policy"] = cmd.oversell_policy
    if cmd.backorder_limit is not None:
        if cmd.backorder_limit < current["backorder_open"]:
            raise Conflict(
                f"{current['backorder_open']} unit(s) are on open backorder",
                [FieldError("backorder_limit", "below_open_backorders",
                            f"at least {current['backorder_open']} (units on open backorder)")])
        values["backorder_limit"] = cmd.backorder_limit


def update_product(
    conn: Connection, product_id: str, cmd: ProductUpdate, expected_version: int | None
) -> dict[str, Any]:
    current = conn.execute(select(product).where(product.c.id == product_id)).mappings().first()
    if current is None:
        raise NotFound(f"product {product_id} not found")
    inv = Invalid()
    values: dict[str, Any] = {}
    if cmd.name is not None:
        values["name"] = cmd.name
    if cmd.price is not None:
        values["price"] = read_amount(cmd.price, current["currency"], inv, "price")
    if cmd.standard_cost is not None:
        values["standard_cost"] = read_amount(cmd.standard_cost, current["currency"], inv,
                                              "standard_cost")
    if cmd.tax_rate is not None:
        values["tax_rate"] = _tax_rate(cmd.tax_rate, inv)
    if cmd.active is not None:
        values["active"] = cmd.active
    _oversell(cmd, current, values)
    inv.raise_if_any()
    version = current["version"] if expected_version is None else expected_version
    values.update(version=version + 1, updated_at=now())
    done = conn.execute(
        update(product)
        .where(product.c.id == product_id, product.c.version == version)
        .values(**values)
    )
    if done.rowcount != 1:
        raise PreconditionFailed(f"product {product_id} changed since version {version}")
    view = product_view({**dict(current), **values})
    emit(conn, "product.updated", "product", product_id, view)
    return view
