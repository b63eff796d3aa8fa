"""The customer profile: the customer's own rows (customers) with the history, volume and
lifetime value derived from their orders (orders sits above customers, so the read that shows
both lives above both). Reads only: each domain answers through its queries module.

Creating a customer answers with this profile too (a new customer's history is empty, but the
API and the console show the same shape for a new and an old customer).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.customers import profile as edits
from pesanan.customers import queries as customers
from pesanan.customers import service
from pesanan.customers.schemas import AddressIn, CustomerCreate, CustomerUpdate
from pesanan.db.paging import Sort
from pesanan.orders import queries as orders


def get_customer(conn: Connection, customer_id: str, history: int = 10) -> dict[str, Any]:
    """The customer with order count, lifetime value, addresses and the last `history` orders."""
    view = customers.customer_fields(conn, customer_id)
    view.update(orders.customer_stats(conn, [customer_id])[customer_id])
    view["addresses"] = customers.addresses(conn, customer_id)
    view["order_history"] = orders.recent_for_customer(conn, customer_id, history)
    return view


def list_customers(
    conn: Connection, *, limit: int = 50, cursor: str | None = None, q: str | None = None,
    sort: Sort | None = None,
) -> dict[str, Any]:
    """A page of customers, each with its order count, lifetime value and last order."""
    found = customers.customer_page(conn, limit=limit, cursor=cursor, q=q, sort=sort)
    stats = orders.customer_stats(conn, [c["id"] for c in found["items"]])
    return {"items": [{**c, **stats[c["id"]]} for c in found["items"]],
            "next_cursor": found["next_cursor"]}


def create_customer(conn: Connection, cmd: CustomerCreate) -> dict[str, Any]:
    """Create the customer; answers with its profile."""
    return get_customer(conn, service.create_customer(conn, cmd))


# Edits (customers/profile.py) answer with the profile, as create does.

def update_customer(conn: Connection, customer_id: str, cmd: CustomerUpdate) -> dict[str, Any]:
    return get_customer(conn, edits.update_customer(conn, customer_id, cmd))


def add_address(conn: Connection, customer_id: str, cmd: AddressIn) -> dict[str, Any]:
    edits.add_address(conn, customer_id, cmd)
    return get_customer(conn, customer_id)


def update_address(conn: Connection, customer_id: str, address_id: str, cmd: AddressIn
                   ) -> dict[str, Any]:
    edits.update_address(conn, customer_id, address_id, cmd)
    return get_customer(conn, customer_id)


def set_default_address(conn: Connection, customer_id: str, address_id: str) -> dict[str, Any]:
    edits.set_default_address(conn, customer_id, address_id)
    return get_customer(conn, customer_id)


def remove_address(conn: Connection, customer_id: str, address_id: str) -> dict[str, Any]:
    edits.remove_address(conn, customer_id, address_id)
    return get_customer(conn, customer_id)
