"""What each notification says and to whom, from its event and the rows it names (read only).

The event's own data carries most of it (the order, invoice, shipment or refund view as it was
emitted); the recipient is read now: the customer's email, or the supplier's for a purchase
order. None: nobody to write to (a walk-in customer without an address), nothing is queued.
Amounts go through pesanan.core.amounts.format_money in the shop's locale; dates are the
shop's days (its time zone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from sqlalchemy import Connection

from pesanan.core.amounts import format_money
from pesanan.customers import queries as customers
from pesanan.orders import queries as orders
from pesanan.purchasing import queries as purchasing
from pesanan.shop.profile import ShopProfile


@dataclass(frozen=True)
class Draft:
    """A message to queue: its recipient, its template and what the template is given."""

    to: str
    template: str
    context: dict[str, Any]
    order_id: str | None
    attachment: tuple[str, str, str] | None = None  # (document type, id, file name)


class Shop:
    """The shop as the templates and formats see it."""

    def __init__(self, profile: ShopProfile) -> None:
        self.profile = profile
        self.context = {"name": profile.legal_name, "address": profile.address,
                        "email": profile.email or "", "phone": profile.phone or "",
                        "payment_instructions": profile.payment_instructions}

    def money(self, amount: str | Decimal, currency: str) -> str:
        return format_money(Decimal(amount), currency, self.profile.locale)

    def date(self, at: str | None) -> str:
        if not at:
            return ""
        local = datetime.fromisoformat(at).astimezone(self.profile.zone)
        return format_date(local.date(), format="long", locale=self.profile.locale)


def _customer(conn: Connection, customer_id: str | None) -> dict[str, Any] | None:
    """The customer's name and email, or None when there is no one to write to."""
    if not customer_id:
        return None
    c = customers.customer_fields(conn, customer_id)
    return c if c["email"] else None


def order_confirmation(conn: Connection, data: dict[str, Any], shop: Shop) -> Draft | None:
    c = _customer(conn, data.get("customer_id"))
    if c is None:
        return None
    cur = data["currency"]
    lines = [{"quantity": x["quantity"], "name": x["name"], "sku": x["sku"],
              "total": shop.money(x["total"], cur)} for x in data.get("lines", [])]
    return Draft(c["email"], "order_confirmation", {
        "customer_name": c["name"], "order_number": data["number"], "lines": lines,
        "total": shop.money(data["total"], cur)}, data["id"])


def _invoice_context(conn: Connection, data: dict[str, Any], shop: Shop
                     ) -> tuple[dict[str, Any], dict[str, Any]] | None:
    c = _customer(conn, data.get("customer_id"))
    if c is None:
        return None
    cur = data["currency"]
    number = orders.numbers(conn, [data["order_id"]]).get(data["order_id"], "")
    return c, {"customer_name": c["name"], "invoice_number": data["number"],
               "order_number": number, "amount_due": shop.money(data["amount_due"], cur),
               "due_date": shop.date(data.get("due_at"))}


def invoice_issued(conn: Connection, data: dict[str, Any], shop: Shop) -> Draft | None:
    found = _invoice_context(conn, data, shop)
    if found is None:
        return None
    c, context = found
    context["total"] = shop.money(data["total"], data["currency"])
    return Draft(c["email"], "invoice_issued", context, data["order_id"],
                 ("invoice", data["id"], f"{data['number']}.pdf"))


def overdue_reminder(conn: Connection, data: dict[str, Any], shop: Shop) -> Draft | None:
    found = _invoice_context(conn, data, shop)
    if found is None:
        return None
    c, context = found
    context["days_overdue"] = data["days_overdue"]
    return Draft(c["email"], "overdue_reminder", context, data["order_id"],
                 ("invoice", data["id"], f"{data['number']}.pdf"))


def _order_customer(conn: Connection, order_id: str) -> tuple[dict[str, Any], str] | None:
    order = orders.get_order(conn, order_id)
    c = _customer(conn, order["customer_id"])
    return None if c is None else (c, order["number"])


def shipment_sent(conn: Connection, data: dict[str, Any], shop: Shop) -> Draft | None:
    found = _order_customer(conn, data["order_id"])
    if found is None:
        return None
    c, number = found
    return Draft(c["email"], "shipment_sent", {
        "customer_name": c["name"], "order_number": number, "shipment_number": data["number"],
        "carrier": data["carrier"], "tracking_number": data["tracking_number"],
        "tracking_url": data.get("tracking_url") or ""}, data["order_id"])


def refund_issued(conn: Connection, data: dict[str, Any], shop: Shop) -> Draft | None:
    found = _order_customer(conn, data["order_id"])
    if found is None:
        return None
    c, number = found
    return Draft(c["email"], "refund_issued", {
        "customer_name": c["name"], "order_number": number,
        "amount": shop.money(data["amount"], data["currency"]),
        "method": data["method"], "reference": data.get("reference") or ""}, data["order_id"])


def purchase_order(conn: Connection, data: dict[str, Any], shop: Shop) -> Draft | None:
    po = purchasing.get_purchase_order(conn, data["id"])
    supplier = purchasing.get_supplier(conn, po["supplier_id"])
    if not supplier["email"]:
        return None
    cur = po["currency"]
    lines = [{"quantity": x["quantity"], "sku": x["sku"], "total": shop.money(x["total"], cur)}
             for x in po["lines"]]
    return Draft(supplier["email"], "purchase_order", {
        "supplier_name": supplier["name"], "po_number": po["number"], "lines": lines,
        "total": shop.money(po["total"], cur), "expected_date": shop.date(po["expected_at"])},
        None, ("purchase_order", po["id"], f"{po['number']}.pdf"))


BUILDERS: dict[str, Callable[[Connection, dict[str, Any], Shop], Draft | None]] = {
    "order_confirmation": order_confirmation,
    "invoice_issued": invoice_issued,
    "shipment_sent": shipment_sent,
    "refund_issued": refund_issued,
    "overdue_reminder": overdue_reminder,
    "purchase_order": purchase_order,
}


def draft(conn: Connection, kind: str, data: dict[str, Any], shop: Shop) -> Draft | None:
    return BUILDERS[kind](conn, data, shop)


def rule_message(conn: Connection, subject_kind: str | None, subject_id: str | None,
                 subject: str, message: str, to: str | None) -> Draft | None:
    """An automation rule's email: to `to`, else the order's customer or the purchase order's
    supplier; None when there is nobody to write to."""
    name, order_id, order_number, default_to = "", None, "", None
    if subject_kind == "order" and subject_id:
        order = orders.get_order(conn, subject_id)
        order_id, order_number = order["id"], order["number"]
        c = customers.customer_fields(conn, order["customer_id"])
        name, default_to = c["name"], c["email"]
    elif subject_kind == "purchase_order" and subject_id:
        po = purchasing.get_purchase_order(conn, subject_id)
        supplier = purchasing.get_supplier(conn, po["supplier_id"])
        name, default_to = supplier["name"], supplier["email"]
    recipient = to or default_to
    if not recipient:
        return None
    return Draft(recipient, "rule_message", {
        "subject": subject, "message": message, "name": "" if to else name,
        "order_number": order_number}, order_id)
