"""Reads of transfers: one with its lines and timeline, and the cursor-paged list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from pesanan.catalog.queries import product_ref
from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.core.schema import document_number
from pesanan.db.paging import page
from pesanan.inventory.models import (
    location,
    stock_transfer,
    stock_transfer_event,
    stock_transfer_line,
)

STATUSES = ("draft", "in_transit", "partially_received", "received", "cancelled")


def number_label(number: int) -> str:
    return f"TR-{number:06d}"


def transfer_row(conn: Connection, transfer_id: str) -> dict[str, Any]:
    r = conn.execute(select(stock_transfer).where(stock_transfer.c.id == transfer_id)
                     ).mappings().first()
    if r is None:
        raise NotFound(f"transfer {transfer_id} not found")
    return dict(r)


def _codes(conn: Connection, ids: set[str]) -> dict[str, str]:
    rows = conn.execute(select(location.c.id, location.c.code).where(location.c.id.in_(ids)))
    return {i: c for i, c in rows}


def _summary(r: Any, codes: dict[str, str]) -> dict[str, Any]:
    return {"id": r["id"], "number": number_label(r["number"]), "status": r["status"],
            "from_location_id": r["from_location_id"],
            "from_location_code": codes.get(r["from_location_id"]),
            "to_location_id": r["to_location_id"],
            "to_location_code": codes.get(r["to_location_id"]), "note": r["note"],
            "created_at": rfc3339(r["created_at"]), "updated_at": rfc3339(r["updated_at"])}


def get_transfer(conn: Connection, transfer_id: str) -> dict[str, Any]:
    t = transfer_row(conn, transfer_id)
    codes = _codes(conn, {t["from_location_id"], t["to_location_id"]})
    lines = conn.execute(
        select(stock_transfer_line, product_ref.c.sku, product_ref.c.name)
        .join(product_ref, product_ref.c.id == stock_transfer_line.c.product_id)
        .where(stock_transfer_line.c.transfer_id == transfer_id)
        .order_by(stock_transfer_line.c.id)).mappings()
    events = conn.execute(
        select(stock_transfer_event).where(stock_transfer_event.c.transfer_id == transfer_id)
        .order_by(stock_transfer_event.c.id)).mappings()
    return {**_summary(t, codes),
            "lines": [{"id": x["id"], "sku": x["sku"], "name": x["name"],
                       "product_id": x["product_id"], "quantity": x["quantity"],
                       "quantity_shipped": x["quantity_shipped"],
                       "quantity_received": x["quantity_received"],
                       "in_transit": x["quantity_shipped"] - x["quantity_received"]}
                      for x in lines],
            "events": [{"kind": e["kind"], "message": e["message"], "actor": e["actor"],
                        "created_at": rfc3339(e["created_at"])} for e in events]}


def list_transfers(conn: Connection, *, status: str | None = None,
                   location_id: str | None = None, limit: int = 50,
                   cursor: str | None = None) -> dict[str, Any]:
    """Newest first. `location_id` matches either end of the transfer."""
    src, dst = location.alias("src"), location.alias("dst")
    units = (select(func.coalesce(func.sum(stock_transfer_line.c.quantity), 0))
             .where(stock_transfer_line.c.transfer_id == stock_transfer.c.id)
             .scalar_subquery())
    stmt = (select(stock_transfer, src.c.code.label("from_code"), dst.c.code.label("to_code"),
                   units.label("units"))
            .join(src, src.c.id == stock_transfer.c.from_location_id)
            .join(dst, dst.c.id == stock_transfer.c.to_location_id))
    if status:
        stmt = stmt.where(stock_transfer.c.status == status)
    if location_id:
        stmt = stmt.where((stock_transfer.c.from_location_id == location_id)
                          | (stock_transfer.c.to_location_id == location_id))
    rows, nxt = page(conn, stmt, stock_transfer.c.id, limit, cursor)
    items = []
    for r in rows:
        codes = {r["from_location_id"]: r["from_code"], r["to_location_id"]: r["to_code"]}
        items.append({**_summary(r, codes), "units": int(r["units"])})
    return {"items": items, "next_cursor": nxt}


def resolve(conn: Connection, ref: str) -> str:
    """A transfer id from its id or its number (TR-000042 or 42), as people type it."""
    digits = ref.upper().removeprefix("TR-")
    number = document_number(digits)
    cond = (stock_transfer.c.number == number) if number is not None \
        else (stock_transfer.c.id == ref)
    found = conn.execute(select(stock_transfer.c.id).where(cond)).scalar()
    if found is None:
        raise NotFound(f"transfer {ref} not found")
    return str(found)
