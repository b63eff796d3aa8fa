"""Reads of cycle counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from pesanan.catalog.queries import product_ref
from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.core.schema import document_number
from pesanan.db.paging import page
from pesanan.inventory.models import location, stock_count, stock_count_line


def number_label(number: int) -> str:
    return f"CC-{number:06d}"


def line_rows(conn: Connection, count_id: str) -> list[Any]:
    """Lines in recorded order, with SKU and currency."""
    return list(conn.execute(
        select(stock_count_line, product_ref.c.sku, product_ref.c.name, product_ref.c.currency)
        .join(product_ref, product_ref.c.id == stock_count_line.c.product_id)
        .where(stock_count_line.c.count_id == count_id).order_by(stock_count_line.c.id)))


def _summary(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "number": number_label(r["number"]), "status": r["status"],
            "source": r["source"], "location_id": r["location_id"],
            "location_code": r["location_code"], "created_at": rfc3339(r["created_at"]),
            "posted_at": rfc3339(r["posted_at"]) if r["posted_at"] else None}


def _base() -> Any:
    return (select(stock_count, location.c.code.label("location_code"))
            .join(location, location.c.id == stock_count.c.location_id))


def get_count(conn: Connection, count_id: str) -> dict[str, Any]:
    r = conn.execute(_base().where(stock_count.c.id == count_id)).mappings().first()
    if r is None:
        raise NotFound(f"count {count_id} not found")
    return {**_summary(r), "lines": [
        {"sku": x.sku, "name": x.name, "product_id": x.product_id, "expected": x.expected,
         "counted": x.counted, "difference": x.difference}
        for x in line_rows(conn, count_id)]}


def list_counts(conn: Connection, *, location_id: str | None = None,
                status: str | None = None, limit: int = 50, cursor: str | None = None
                ) -> dict[str, Any]:
    lines = (select(func.count()).where(stock_count_line.c.count_id == stock_count.c.id)
             .scalar_subquery())
    stmt = _base().add_columns(lines.label("lines"))
    if location_id:
        stmt = stmt.where(stock_count.c.location_id == location_id)
    if status:
        stmt = stmt.where(stock_count.c.status == status)
    rows, nxt = page(conn, stmt, stock_count.c.id, limit, cursor)
    return {"items": [{**_summary(r), "lines": int(r["lines"])} for r in rows],
            "next_cursor": nxt}


def resolve(conn: Connection, ref: str) -> str:
    """A count id from its id or its number (CC-000042 or 42)."""
    digits = ref.upper().removeprefix("CC-")
    number = document_number(digits)
    cond = (stock_count.c.number == number) if number is not None \
        else (stock_count.c.id == ref)
    found = conn.execute(select(stock_count.c.id).where(cond)).scalar()
    if found is None:
        raise NotFound(f"count {ref} not found")
    return str(found)
