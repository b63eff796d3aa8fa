"""Create the demo shop through the same service functions the API calls, and read a shop back
(any shop, not only the demo's) so the simulation can run on it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from pesanan.automation import service as automation
from pesanan.automation.schemas import RuleCreate
from pesanan.catalog import queries as catalog_q
from pesanan.catalog import service as catalog
from pesanan.catalog.schemas import ProductCreate
from pesanan.core.actor import Actor
from pesanan.customers import queries as customers_q
from pesanan.customers import service as customers
from pesanan.customers.schemas import AddressIn, CustomerCreate
from pesanan.demo import data
from pesanan.flows import shop_settings
from pesanan.fulfillment import carriers
from pesanan.fulfillment.schemas import CarrierCreate
from pesanan.inventory import queries as inventory_q
from pesanan.inventory import service as inventory
from pesanan.inventory.schemas import LocationCreate, StockAdjustment
from pesanan.orders import hold_settings
from pesanan.orders.schemas import HoldRuleCreate
from pesanan.purchasing import service as purchasing
from pesanan.purchasing.schemas import ReorderRuleSet, SupplierCreate, SupplierOfferCreate
from pesanan.shop import queries as shop_q
from pesanan.shop.schemas import ShopSettingsIn

# Reorder rules per location: (reorder point, reorder quantity). The warehouses buy by the
# carton (meet the makers' MOQ); the store buys a few at a time (the wholesaler wins there).
RULES = {"WH-JKT": (20, 40), "TOKO-BDG": (6, 12), "WH-SBY": (10, 24)}


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    kind: str  # b2c | b2b
    payment_preference: str


@dataclass(frozen=True, slots=True)
class Shop:
    currency: str
    locations: dict[str, str]  # kind -> the first location of that kind
    skus: list[str]
    customers: list[Customer]

    def location(self, kind: str) -> str:
        """A location of `kind`, else any: a shop of one warehouse still takes POS orders."""
        return self.locations.get(kind) or next(iter(self.locations.values()))


def has_shop(conn: Connection) -> bool:
    return bool(catalog_q.list_products(conn, limit=1)["items"])


def load_shop(conn: Connection) -> Shop:
    """The shop as it is in the database (first 250 of each; plenty for a simulation)."""
    products = catalog_q.list_products(conn, limit=250, active=True)["items"]
    locations: dict[str, str] = {}
    # Lists are newest first: the oldest of each kind is the shop's main one (WH-JKT, not the
    # Surabaya warehouse opened after it).
    for loc in reversed(inventory_q.list_locations(conn, limit=250)["items"]):
        locations.setdefault(loc["kind"], loc["id"])
    people = customers_q.customer_page(conn, limit=250)["items"]
    if not (products and locations and people):
        raise RuntimeError("the shop needs products, locations and customers to simulate")
    currencies = {p["currency"] for p in products}
    currency = data.CURRENCY if data.CURRENCY in currencies else sorted(currencies)[0]
    return Shop(currency, locations,
                [p["sku"] for p in products if p["currency"] == currency],
                [Customer(c["id"], c["name"], c["kind"], c["payment_preference"])
                 for c in people])


def create_shop(conn: Connection, rng: random.Random, n_products: int) -> None:
    """Locations, carriers, products, suppliers with offers, reorder rules, opening stock
    (posted against owner's equity), customers."""
    _profile(conn)
    items = data.PRODUCTS[:max(1, n_products)]
    locations = {p.code: inventory.create_location(
        conn, LocationCreate(code=p.code, name=p.name, kind=p.kind))["id"]
        for p in data.LOCATIONS}
    for c in data.CARRIERS:
        carriers.create_carrier(conn, CarrierCreate(code=c.code, name=c.name,
                                                    tracking_url_template=c.tracking))
    for item in items:
        catalog.create_product(conn, ProductCreate(
            sku=item.sku, name=item.name, price=str(item.price), currency=data.CURRENCY,
            tax_rate=item.tax_rate, standard_cost=str(item.cost)))
    _suppliers(conn, items)
    _hold_rules(conn)
    _automation_rules(conn)
    for i, item in enumerate(items):
        # Surabaya holds every other SKU: some orders ship from it, some split across places.
        codes = ("WH-JKT", "TOKO-BDG", "WH-SBY") if i % 2 == 0 else ("WH-JKT", "TOKO-BDG")
        for code in codes:
            point, qty = RULES[code]
            purchasing.set_reorder_rule(conn, ReorderRuleSet(
                sku=item.sku, location_id=locations[code], reorder_point=point, reorder_qty=qty))
            # Some SKUs open near their reorder point, so purchasing starts on day one. An
            # opening balance: Dr Inventory / Cr Owner's equity at standard cost (the goods were
            # the owner's before the books began), not a gain on the adjustments account.
            opening = rng.randint(point, point + qty)
            inventory.adjust_stock(conn, StockAdjustment(
                sku=item.sku, location_id=locations[code], quantity=opening,
                reason="opening count", reason_code="opening"))
    _customers(conn, rng)


# The demo shop is Indonesian (issue 12): its invoices, times and language say so. An NPWP is
# 15 digits written 99.999.999.9-999.999; this one is made up.
DEMO_PROFILE = ShopSettingsIn(
    legal_name="PT Pesanan Nusantara",
    address="Jl. Jend. Sudirman Kav. 52-53\nSenayan, Kebayoran Baru\nJakarta Selatan 12190",
    tax_id="01.234.567.8-012.000", email="halo@pesanan.example", phone="+62 21 5150 1234",
    time_zone=data.TIME_ZONE, locale="id_ID", currency=data.CURRENCY,
    invoice_footer="Terima kasih atas pesanan Anda.",
    payment_instructions="Transfer ke BCA 123 456 7890 a.n. PT Pesanan Nusantara; "
                         "cantumkan nomor faktur.",
)


def _profile(conn: Connection) -> None:
    """The demo's shop profile, unless someone has already set the shop's own."""
    if shop_q.settings_row(conn) is None:
        shop_settings.update_shop(conn, DEMO_PROFILE, Actor(id="demo", name="demo", role="admin"))


def _suppliers(conn: Connection, items: tuple[data.Item, ...]) -> None:
    for vendor in data.SUPPLIERS:
        sup = purchasing.create_supplier(conn, SupplierCreate(
            name=vendor.name, email=vendor.email, currency=data.CURRENCY))
        for item in items:
            if vendor.category not in ("all", item.category):
                continue
            price = (Decimal(item.cost) * Decimal(vendor.markup)).quantize(Decimal(100))
            purchasing.create_offer(conn, SupplierOfferCreate(
                supplier_id=sup["id"], sku=item.sku, price=str(price), currency=data.CURRENCY,
                lead_time_days=vendor.lead_time_days, min_order_qty=vendor.min_order_qty))


def _customers(conn: Connection, rng: random.Random) -> None:
    def address(city: str) -> AddressIn:
        return AddressIn(line1=f"Jl. Merdeka No. {rng.randint(1, 200)}", city=city, country="ID")

    def phone() -> str:
        return f"+62812{rng.randrange(10**7):07d}"

    for name, preference in data.B2C_CUSTOMERS:
        _customer(conn, {"name": name, "kind": "b2c", "payment_preference": preference,
                         "phone": phone(), "addresses": [address(rng.choice(data.CITIES))]})
    # Businesses buy on invoice, each on its own payment terms (the invoice's due date).
    for (name, city), terms in zip(data.B2B_CUSTOMERS, data.B2B_TERMS_DAYS, strict=True):
        _customer(conn, {"name": name, "kind": "b2b", "payment_preference": "invoice",
                         "phone": phone(), "addresses": [address(city)],
                         "credit_limit": "50000000", "credit_currency": data.CURRENCY,
                         "payment_terms_days": terms})


def _hold_rules(conn: Connection) -> None:
    """Big orders and businesses over their credit limit wait for a person (the review queue);
    the simulation releases them the next day."""
    hold_settings.create_rule(conn, HoldRuleCreate(
        kind="order_total_above", parameters={"limits": {data.CURRENCY: data.HOLD_ABOVE}},
        note="big orders are checked by a person"))
    hold_settings.create_rule(conn, HoldRuleCreate(kind="credit_limit", parameters={},
                                                   note="business over its credit limit"))


def _automation_rules(conn: Connection) -> None:
    """Rules the worker runs on the shop's events. None of them invoices, holds or submits:
    the simulation does those itself, and a rule doing them too would refuse its next step."""
    for name, trigger, conditions, actions in (
        ("Tag business orders", "order.placed",
         [{"field": "payment_preference", "op": "eq", "value": "invoice"}],
         [{"type": "tag", "tag": "b2b"}]),
        ("Big web orders", "order.placed",
         [{"field": "channel", "op": "eq", "value": "web"},
          {"field": "total", "op": "gt", "value": {"amount": data.HOLD_ABOVE,
                                                    "currency": data.CURRENCY}}],
         [{"type": "tag", "tag": "big"},
          {"type": "notify", "message": "a big web order came in"}]),
        ("Cash on delivery reminder", "shipment.shipped",
         [{"field": "payment_preference", "op": "eq", "value": "cod"}],
         [{"type": "note", "message": "collect the cash on delivery"}]),
    ):
        automation.create_rule(conn, RuleCreate.model_validate(
            {"name": name, "trigger": trigger, "conditions": conditions, "actions": actions}))


def _customer(conn: Connection, fields: dict[str, Any]) -> str:
    email = "".join(c for c in fields["name"].lower().replace(" ", ".")
                    if c.isalnum() or c == ".") + "@example.com"
    return customers.create_customer(conn, CustomerCreate.model_validate(
        {**fields, "email": email}))
