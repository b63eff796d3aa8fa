"""Customer commands. Order history, volume and lifetime value are never stored here: they are
derived from orders (flows/customer_profile.py) so they cannot drift."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError, Invalid
from pesanan.core.ids import new_id
from pesanan.core.money import Money, MoneyError
from pesanan.customers.models import address, customer
from pesanan.customers.schemas import CustomerCreate
from pesanan.events.service import emit


def create_customer(conn: Connection, cmd: CustomerCreate) -> str:
    """Create the customer with its addresses; returns its id (the profile to answer with is
    flows/customer_profile.create_customer's)."""
    inv = Invalid()
    credit: Decimal | None = None
    if cmd.credit_limit is not None:
        try:
            credit = Money.of(cmd.credit_limit, cmd.credit_currency or "USD").amount
        except MoneyError as e:
            inv.add("credit_limit", "invalid_money", str(e))
    inv.raise_if_any()
    email = cmd.email.lower() if cmd.email else None
    if email and conn.execute(select(customer.c.id).where(customer.c.email == email)).first():
        raise Conflict(f"a customer with email {email} already exists",
                       [FieldError("email", "duplicate", "email must be unique")])
    cid = new_id()
    try:
        with conn.begin_nested():
            conn.execute(customer.insert(), {
                "id": cid, "name": cmd.name, "email": email, "phone": cmd.phone,
                "kind": cmd.kind, "payment_preference": cmd.payment_preference,
                "credit_limit": credit, "created_at": now(),
                "credit_currency": (cmd.credit_currency or "USD") if credit is not None else None,
                "payment_terms_days": cmd.payment_terms_days,
            })
    except IntegrityError:
        raise Conflict(f"a customer with email {email} already exists",
                       [FieldError("email", "duplicate", "email must be unique")]) from None
    if cmd.addresses:
        conn.execute(address.insert(), [
            {"id": new_id(), "customer_id": cid, **a.model_dump()} for a in cmd.addresses
        ])
    emit(conn, "customer.created", "customer", cid, {"id": cid, "name": cmd.name})
    return cid
