"""Customer reads: the customer's own rows (fields, addresses, payment preference, credit).

History, volume and lifetime value are derived from orders, which sit above customers: the
profile that shows them with these rows is flows/customer_profile.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, select

from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.customers.models import address, customer
from pesanan.db.hot import Hot
from pesanan.db.paging import Sort, page


def _base_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": r["id"], "name": r["name"], "email": r["email"], "phone": r["phone"],
        "kind": r["kind"], "payment_preference": r["payment_preference"],
        # Fixed-point: str() of a normalized 50000000 is "5E+7".
        "credit_limit": (None if r["credit_limit"] is None
                         else format(r["credit_limit"].normalize(), "f")),
        "credit_currency": r.get("credit_currency"),
        "payment_terms_days": r.get("payment_terms_days"),
        "created_at": rfc3339(r["created_at"]),
    }


def customer_fields(conn: Connection, customer_id: str) -> dict[str, Any]:
    """The customer's own fields (its history and volume are orders': flows/customer_profile)."""
    r = conn.execute(select(customer).where(customer.c.id == customer_id)).mappings().first()
    if r is None:
        raise NotFound(f"customer {customer_id} not found")
    return _base_view(r)


def addresses(conn: Connection, customer_id: str) -> list[dict[str, Any]]:
    return [
        {k: a[k] for k in ("id", "kind", "line1", "line2", "city", "region", "postal_code",
                           "country", "is_default")}
        for a in conn.execute(
            select(address).where(address.c.customer_id == customer_id).order_by(address.c.id)
        ).mappings()
    ]


def customer_page(
    conn: Connection, *, limit: int = 50, cursor: str | None = None, q: str | None = None,
    sort: Sort | None = None,
) -> dict[str, Any]:
    """A page of customers (their own fields), optionally those whose name, email or phone
    contains `q`."""
    stmt = select(customer)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(customer.c.name.ilike(like) | customer.c.email.ilike(like)
                          | customer.c.phone.ilike(like))
    rows, nxt = page(conn, stmt, customer.c.id, limit, cursor, sort)
    return {"items": [_base_view(r) for r in rows], "next_cursor": nxt}


def exists(conn: Connection, customer_id: str) -> bool:
    return bool(_exists.all(conn, {"id_": customer_id}))


# Asked by every order placed on SQLite (PostgreSQL's foreign key checks it there): hot.
_exists = Hot(select(customer.c.id).where(customer.c.id == bindparam("id_")))


def payment_terms(conn: Connection, customer_id: str) -> tuple[str, int | None]:
    """The customer's kind (`b2b`/`b2c`) and payment terms in days (None: billing's default
    for the kind): what an invoice's due date is worked out from."""
    r = conn.execute(select(customer.c.kind, customer.c.payment_terms_days)
                     .where(customer.c.id == customer_id)).first()
    if r is None:
        raise NotFound(f"customer {customer_id} not found")
    return str(r.kind), r.payment_terms_days


def kind_of(conn: Connection, customer_id: str) -> str:
    """`b2b` or `b2c` (billing sets payment terms by it)."""
    kind = conn.execute(select(customer.c.kind).where(customer.c.id == customer_id)).scalar()
    if kind is None:
        raise NotFound(f"customer {customer_id} not found")
    return str(kind)


def ids_matching(q: str) -> Select[tuple[str]]:
    """The ids of customers whose name, email or phone contains `q` (search boxes), as a
    subquery for `customer_id.in_(...)`: the database joins every match, however many (a list
    of ids read first had to stop somewhere, and searches then missed orders and invoices)."""
    like = f"%{q.strip().lower()}%"
    return select(customer.c.id).where(customer.c.name.ilike(like) | customer.c.email.ilike(like)
                                       | customer.c.phone.ilike(like))


def with_payment_preference(preferences: Sequence[str]) -> Select[tuple[str]]:
    """The ids of customers whose payment preference is one of `preferences`, as a subquery
    (the unpaid-orders job: flows/unpaid.py)."""
    return select(customer.c.id).where(customer.c.payment_preference.in_(sorted(preferences)))


def payment_preference(conn: Connection, customer_id: str) -> str:
    pref = conn.execute(select(customer.c.payment_preference)
                        .where(customer.c.id == customer_id)).scalar()
    if pref is None:
        raise NotFound(f"customer {customer_id} not found")
    return str(pref)


def credit_facts(conn: Connection, customer_id: str,
                 *extra: ColumnElement[Any]) -> Sequence[Any] | None:
    """The customer's credit limit and its currency (`None` for an unknown customer), then the
    `extra` scalar columns the caller reads in the same statement: the order hold rules add the
    exposure and recent order counts (subqueries over orders) so a rule check stays one
    statement on the hot path (orders/holds.py)."""
    return conn.execute(
        select(customer.c.credit_limit, customer.c.credit_currency, *extra)
        .where(customer.c.id == customer_id)
    ).first()


def names(conn: Connection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = conn.execute(select(customer.c.id, customer.c.name).where(customer.c.id.in_(set(ids))))
    return {r.id: r.name for r in rows}
