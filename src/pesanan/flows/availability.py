"""Read the catalogue, stock, location attributes and oversell policy for an order's SKUs in one
query, and plan where each line is sourced from (inventory/allocation.py decides).

This is the one read on the order path that joins other domains' tables (catalog's products,
inventory's stock levels and locations, the hold rules' version counter): placing an order
reads them in a single statement because a statement per domain would add round trips to the
hot path (bench/README.md). It lives in flows, the layer allowed to make that join; the
domains keep their own reads and writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from pesanan.catalog.models import product
from pesanan.core.errors import FieldError, InsufficientStock, Invalid
from pesanan.db.hot import Hot
from pesanan.inventory import allocation
from pesanan.inventory.models import location, stock_level
from pesanan.orders.hold_settings import rules_version

_COLUMNS = (
    select(product.c.id, product.c.sku, product.c.name, product.c.price, product.c.currency,
           product.c.tax_rate, product.c.active, product.c.oversell_policy,
           product.c.backorder_limit, product.c.backorder_open, stock_level.c.location_id,
           (stock_level.c.on_hand - stock_level.c.reserved).label("available"),
           stock_level.c.safety_stock, location.c.code, location.c.kind, location.c.region,
           location.c.country, location.c.channels,
           rules_version.label("rules_version"))
    .outerjoin(stock_level, stock_level.c.product_id == product.c.id)
    .outerjoin(location, location.c.id == stock_level.c.location_id)
)


# PostgreSQL, placing an order: the order's number rides on the read. An uncorrelated scalar
# subquery is an InitPlan, run once per statement whatever the number of rows; a statement of
# its own cost ~5 % of the server's CPU per order (bench/README.md, issue 13).
_NEXT_NUMBER = select(func.nextval("order_number_seq")).scalar_subquery().label("next_number")


@lru_cache(maxsize=128)
def _query(n: int, numbered: bool = False) -> Hot:
    """The read for `n` SKUs, built once per n and run as a hot statement (db/hot.py):
    building it per order (and its cache key) cost ~0.3 ms CPU (bench/README.md)."""
    columns = _COLUMNS.add_columns(_NEXT_NUMBER) if numbered else _COLUMNS
    return Hot(columns.where(product.c.sku.in_([bindparam(f"sku_{i}") for i in range(n)])))


@dataclass
class CatalogItem:
    id: str
    sku: str
    name: str
    price: Decimal
    currency: str
    tax_rate: Decimal
    active: bool
    oversell_policy: str = "deny"
    backorder_limit: int = 0
    backorder_open: int = 0
    available: dict[str, int] = field(default_factory=dict)  # location id -> on hand - reserved
    stock: dict[str, allocation.Stock] = field(default_factory=dict)
    locations: dict[str, allocation.Location] = field(default_factory=dict)

    @property
    def backorder_room(self) -> int:
        """Units this SKU may still put on backorder (0 under the deny policy)."""
        if self.oversell_policy != "backorder":
            return 0
        return max(self.backorder_limit - self.backorder_open, 0)


class Catalog(dict[str, CatalogItem]):
    """SKU -> item, plus the hold rules' version read with them (None: no SKU was found) and,
    when asked for, the next order number (None: not asked, SQLite, or no SKU was found)."""

    rules_version: int | None = None
    order_number: int | None = None


def read_catalog_and_stock(conn: Connection, skus: list[str], *,
                           take_number: bool = False) -> Catalog:
    """`take_number`: also take the next order number (PostgreSQL; placement only, since a
    number taken is gone)."""
    items = Catalog()
    locations: dict[str, allocation.Location] = {}
    if not skus:  # an empty cart (the console's new-order screen): nothing to read
        return items
    numbered = take_number and conn.dialect.name == "postgresql"
    rows = _query(len(skus), numbered).all(conn, {f"sku_{i}": s for i, s in enumerate(skus)})
    for (product_id, sku, name, price, currency, tax_rate, active, oversell, backorder_limit,
         backorder_open, location_id, available, safety_stock, code, kind, region, country,
         channels, version, *number) in rows:
        items.rules_version = int(version or 0)
        if number:
            items.order_number = int(number[0])
        item = items.get(sku)
        if item is None:
            item = items[sku] = CatalogItem(product_id, sku, name, price, currency, tax_rate,
                                            active, oversell, backorder_limit, backorder_open)
        if location_id is not None:
            loc = locations.get(location_id)
            if loc is None:
                loc = locations[location_id] = allocation.Location(
                    location_id, code, kind, region, country, parse_channels(channels))
            item.available[location_id] = available
            item.stock[location_id] = allocation.Stock(available, safety_stock)
            item.locations[location_id] = loc
    return items


def parse_channels(value: str | None) -> frozenset[str] | None:
    """Stored as "web,pos"; NULL or empty = every channel."""
    if not value:
        return None
    return frozenset(x for x in value.split(",") if x)


def ship_to_of(address: Mapping[str, Any] | None) -> allocation.ShipTo | None:
    if not address:
        return None
    return allocation.ShipTo(address.get("country"), address.get("region"))


@dataclass
class OrderPlan:
    picks: list[tuple[str, str, int, str]]  # (product_id, location_id, quantity, line_id)
    backorders: list[tuple[str, int, str]]  # (product_id, quantity, line_id)
    reasons: list[str]
    plan: allocation.Plan
    locations: dict[str, allocation.Location]
    # Lines that could neither be reserved nor backordered (a dry run reports them).
    refused: list[FieldError] = field(default_factory=list)

    @property
    def split(self) -> bool:
        return self.plan.split


def plan_from_catalog(
    catalog: dict[str, CatalogItem], lines: Sequence[Mapping[str, Any]], *,
    channel: str | None, ship_to: allocation.ShipTo | None,
    preferred_location_id: str | None, strict: bool = True,
) -> OrderPlan:
    """Plan `lines` (dicts with sku, quantity, id and product_id) over what `catalog` read.
    A shortfall becomes a backorder while the SKU's policy and limit allow; otherwise the line is
    refused: InsufficientStock naming every such line (or, with strict=False, `.refused`)."""
    locations: dict[str, allocation.Location] = {}
    stock: dict[str, dict[str, allocation.Stock]] = {}
    for sku, item in catalog.items():
        locations.update(item.locations)
        stock[sku] = item.stock
    plan = allocation.plan(
        [allocation.Line(str(x["id"]), x["sku"], x["quantity"]) for x in lines],
        sorted(locations.values(), key=lambda loc: loc.id), stock, channel=channel,
        ship_to=ship_to, preferred=preferred_location_id)
    picks: list[tuple[str, str, int, str]] = []
    backorders: list[tuple[str, int, str]] = []
    refused: list[FieldError] = []
    room = {sku: item.backorder_room for sku, item in catalog.items()}
    reasons = list(plan.reasons)
    for i, (line, lp) in enumerate(zip(lines, plan.lines, strict=True)):
        product_id = catalog[line["sku"]].id
        for pick in lp.picks:
            picks.append((product_id, pick.location_id, pick.quantity, str(line["id"])))
        if not lp.short:
            continue
        if lp.short <= room[line["sku"]]:
            room[line["sku"]] -= lp.short
            backorders.append((product_id, lp.short, str(line["id"])))
            reasons.append(f"{line['sku']}: {lp.short} unit(s) backordered (policy allows "
                           f"{catalog[line['sku']].backorder_limit} open)")
            continue
        have = line["quantity"] - lp.short
        refused.append(FieldError(
            f"lines[{i}].quantity", "insufficient_stock",
            f"SKU {line['sku']}: {line['quantity']} requested, {have} available"
            + (f", backorder room {room[line['sku']]}"
               if catalog[line["sku"]].oversell_policy == "backorder" else "")))
    if refused and strict:
        raise InsufficientStock("; ".join(e.message for e in refused), refused)
    return OrderPlan(picks, backorders, reasons, plan, locations, refused)


def plan_order(
    conn: Connection, lines: Sequence[Mapping[str, Any]], *, channel: str | None,
    ship_to: allocation.ShipTo | None, preferred_location_id: str | None,
    strict: bool = True,
) -> OrderPlan:
    """Read (one query) and plan. Lines need `sku` and `quantity`; `id` (the order line id)
    defaults to the line's position. Unknown or inactive SKUs are a validation error."""
    catalog = read_catalog_and_stock(conn, sorted({x["sku"] for x in lines}))
    inv = Invalid()
    for i, line in enumerate(lines):
        item = catalog.get(line["sku"])
        if item is None:
            inv.add(f"lines[{i}].sku", "unknown_sku", f"no product with SKU {line['sku']}")
        elif not item.active:
            inv.add(f"lines[{i}].sku", "inactive", f"SKU {line['sku']} is not for sale")
    inv.raise_if_any("The plan has invalid lines")
    keyed = [{**x, "id": x.get("id", str(i + 1))} for i, x in enumerate(lines)]
    return plan_from_catalog(catalog, keyed, channel=channel, ship_to=ship_to,
                             preferred_location_id=preferred_location_id, strict=strict)

