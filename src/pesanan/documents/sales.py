"""What the sales documents print, read through each domain's queries: the invoice and the
credit note (amounts exactly as billing stored and the ledger posted them), the delivery note
(surat jalan: lines and quantities, no prices) and the pick list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.billing import queries as billing
from pesanan.flows import customer_profile
from pesanan.fulfillment import fo_queries
from pesanan.orders import queries as orders


def _address(addresses: list[dict[str, Any]], *kinds: str) -> dict[str, Any] | None:
    """The default address of the first kind that has one, else any address of that kind."""
    for kind in kinds:
        of_kind = [a for a in addresses if a["kind"] == kind]
        if of_kind:
            return next((a for a in of_kind if a["is_default"]), of_kind[0])
    return None


def _parties(conn: Connection, customer_id: str, order: dict[str, Any]) -> dict[str, Any]:
    customer = customer_profile.get_customer(conn, customer_id, history=0)
    return {
        "customer": customer,
        "bill_to": _address(customer["addresses"], "billing", "shipping"),
        "ship_to": order["shipping_address"]
        or _address(customer["addresses"], "shipping", "billing"),
    }


def invoice(conn: Connection, invoice_id: str) -> dict[str, Any]:
    inv = billing.get_invoice(conn, invoice_id)
    order = orders.get_order(conn, inv["order_id"])
    return {
        "invoice": inv, "order": order, "cur": inv["currency"], "number": inv["number"],
        **_parties(conn, inv["customer_id"], order),
        "lines": order["lines"],
        # An order has one invoice covering all of it today; should that change, the document
        # says its lines are the whole order's, not this invoice's share (as the console does).
        "whole_order": inv["total"] == order["total"],
        "on_receipt": inv["due_at"][:10] <= inv["issued_at"][:10],
    }


def credit_note(conn: Connection, credit_note_id: str) -> dict[str, Any]:
    cn = billing.get_credit_note(conn, credit_note_id)
    order = orders.get_order(conn, cn["order_id"])
    against = billing.get_invoice(conn, cn["invoice_id"])["number"] if cn["invoice_id"] else None
    return {"credit_note": cn, "order": order, "cur": cn["currency"], "number": cn["number"],
            "against": against, **_parties(conn, cn["customer_id"], order),
            "lines": cn["lines"]}


def delivery_note(conn: Connection, fo_id: str) -> dict[str, Any]:
    fo = fo_queries.get_fulfilment_order(conn, fo_id)
    order = orders.get_order(conn, fo["order_id"])
    return {"fo": fo, "order": order, "cur": order["currency"], "number": fo["number"],
            **_parties(conn, order["customer_id"], order),
            "lines": fo["lines"], "units": sum(x["quantity"] for x in fo["lines"])}


def pick_list(conn: Connection, fo_id: str) -> dict[str, Any]:
    picks = fo_queries.pick_list(conn, fo_id)
    fo = picks["fulfilment_order"]
    order = orders.get_order(conn, fo["order_id"])
    return {**picks, "fo": fo, "order": order, "cur": order["currency"],
            "number": fo["number"], "created_at": fo["created_at"]}
