"""Customer edits (the console's customer page and PATCH /api/v1/customers/{id}): the profile
fields, the credit limit (Money: an amount in a currency) and payment terms, and the address
book (add, edit, set default, remove). One command each, in the caller's transaction.

A customer's default address is per kind: setting one shipping address default clears the
default flag of the customer's other shipping addresses (billing ones keep theirs). Removing
the default leaves the kind without one; readers fall back to the first of the kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from pesanan.core.errors import Conflict, FieldError, Invalid, NotFound
from pesanan.core.ids import new_id
from pesanan.core.money import Money, MoneyError
from pesanan.customers import queries
from pesanan.customers.models import address, customer
from pesanan.customers.schemas import AddressIn, CustomerUpdate
from pesanan.events.service import emit

# Fields a PATCH may clear by sending null.
CLEARABLE = frozenset({"email", "phone", "credit_limit", "payment_terms_days"})


def _credit(cmd: CustomerUpdate, current: dict[str, Any], inv: Invalid,
            values: dict[str, Any]) -> None:
    given = cmd.model_fields_set
    if "credit_limit" not in given and "credit_currency" not in given:
        return
    raw = cmd.credit_limit if "credit_limit" in given else current["credit_limit"]
    if raw is None:
        values.update(credit_limit=None, credit_currency=None)
        return
    currency = cmd.credit_currency or current["credit_currency"] or "USD"
    try:
        values["credit_limit"] = Money.of(raw, currency).amount
        values["credit_currency"] = currency
    except MoneyError as e:
        field = "credit_currency" if "currency" in str(e) else "credit_limit"
        inv.add(field, "invalid_money", str(e))
    else:
        if values["credit_limit"] < 0:
            inv.add("credit_limit", "negative", "a credit limit must not be negative")


def update_customer(conn: Connection, customer_id: str, cmd: CustomerUpdate) -> str:
    """Change the fields given; returns the customer's id."""
    current = queries.customer_fields(conn, customer_id)  # NotFound for an unknown id
    inv = Invalid()
    values: dict[str, Any] = {}
    for name in ("name", "email", "phone", "kind", "payment_preference", "payment_terms_days"):
        if name not in cmd.model_fields_set:
            continue
        value = getattr(cmd, name)
        if value is None and name not in CLEARABLE:
            inv.add(name, "required", f"{name} cannot be empty")
        values[name] = value.lower() if name == "email" and value else value
    _credit(cmd, current, inv, values)
    inv.raise_if_any("The customer cannot be changed")
    taken = Conflict(f"a customer with email {values.get('email')} already exists",
                     [FieldError("email", "duplicate", "email must be unique")])
    email = values.get("email")
    if email and conn.execute(select(customer.c.id).where(
            customer.c.email == email, customer.c.id != customer_id)).first():
        raise taken
    if values:
        try:
            with conn.begin_nested():
                conn.execute(update(customer).where(customer.c.id == customer_id)
                             .values(**values))
        except IntegrityError:  # a concurrent write of the same email won the unique index
            raise taken from None
        emit(conn, "customer.updated", "customer", customer_id,
             {"id": customer_id, "changed": sorted(values)})
    return customer_id


def _exists(conn: Connection, customer_id: str) -> None:
    if not queries.exists(conn, customer_id):
        raise NotFound(f"customer {customer_id} not found")


def _address_row(conn: Connection, customer_id: str, address_id: str) -> dict[str, Any]:
    row = conn.execute(select(address).where(
        address.c.id == address_id, address.c.customer_id == customer_id)).mappings().first()
    if row is None:
        raise NotFound(f"address {address_id} of customer {customer_id} not found")
    return dict(row)


def _only_default(conn: Connection, customer_id: str, kind: str, address_id: str) -> None:
    conn.execute(update(address).where(
        address.c.customer_id == customer_id, address.c.kind == kind,
        address.c.id != address_id).values(is_default=False))


def _announce(conn: Connection, customer_id: str, what: str) -> None:
    emit(conn, "customer.updated", "customer", customer_id,
         {"id": customer_id, "changed": [what]})


def add_address(conn: Connection, customer_id: str, cmd: AddressIn) -> str:
    _exists(conn, customer_id)
    if len(queries.addresses(conn, customer_id)) >= 20:
        raise Conflict("a customer has at most 20 addresses",
                       [FieldError("form", "too_many", "Remove an address first.")])
    aid = new_id()
    conn.execute(address.insert(), {"id": aid, "customer_id": customer_id,
                                    **cmd.model_dump()})
    if cmd.is_default:
        _only_default(conn, customer_id, cmd.kind, aid)
    _announce(conn, customer_id, "addresses")
    return aid


def update_address(conn: Connection, customer_id: str, address_id: str, cmd: AddressIn
                   ) -> str:
    _address_row(conn, customer_id, address_id)
    conn.execute(update(address).where(address.c.id == address_id).values(**cmd.model_dump()))
    if cmd.is_default:
        _only_default(conn, customer_id, cmd.kind, address_id)
    _announce(conn, customer_id, "addresses")
    return address_id


def set_default_address(conn: Connection, customer_id: str, address_id: str) -> str:
    row = _address_row(conn, customer_id, address_id)
    conn.execute(update(address).where(address.c.id == address_id).values(is_default=True))
    _only_default(conn, customer_id, row["kind"], address_id)
    _announce(conn, customer_id, "addresses")
    return address_id


def remove_address(conn: Connection, customer_id: str, address_id: str) -> str:
    """Orders keep a copy of the address they ship to (order.shipping_address), so removing
    one from the book changes no order."""
    _address_row(conn, customer_id, address_id)
    conn.execute(address.delete().where(address.c.id == address_id))
    _announce(conn, customer_id, "addresses")
    return address_id
