"""What a rule's conditions look at, read through the owners' queries: an event's subject (the
order or purchase order it is about) and that subject's facts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from pesanan.automation.conditions import TRIGGERS, Facts, Subject
from pesanan.customers import queries as customers
from pesanan.orders import queries as orders
from pesanan.orders.tags import tags_of
from pesanan.purchasing import queries as purchasing


def subject_of(event: dict[str, Any]) -> tuple[Subject, str] | None:
    """(kind, id) of what the event is about; None when it names no order or purchase order."""
    kind = TRIGGERS.get(event["type"])
    if kind is None:
        return None
    if event["aggregate_type"] == kind:
        return kind, str(event["aggregate_id"])
    ref = (event.get("data") or {}).get(f"{kind}_id")
    return (kind, ref) if isinstance(ref, str) else None


def facts_of(conn: Connection, kind: Subject, subject_id: str) -> Facts:
    if kind == "purchase_order":
        po = purchasing.get_purchase_order(conn, subject_id)
        return Facts(total=Decimal(po["total"]), currency=po["currency"])
    order = orders.get_order(conn, subject_id)
    who = customers.customer_fields(conn, order["customer_id"])
    return Facts(total=Decimal(order["total"]), currency=order["currency"],
                 channel=order["channel"], country=_country(conn, order),
                 customer_id=order["customer_id"],
                 customer_email=(who["email"] or "").lower() or None,
                 payment_preference=who["payment_preference"],
                 tags=frozenset(tags_of(conn, subject_id)))


def _country(conn: Connection, order: dict[str, Any]) -> str | None:
    # The shipping address, else the customer's default one (where a shipment would go).
    if order["shipping_address"]:
        return str(order["shipping_address"]["country"]).upper()
    book = customers.addresses(conn, order["customer_id"])
    default = next((a for a in book if a["is_default"]), book[0] if book else None)
    return str(default["country"]).upper() if default and default["country"] else None
