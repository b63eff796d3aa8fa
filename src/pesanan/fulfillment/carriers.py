"""Carriers: code, name and the tracking URL template a shipment's link is made from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.db.paging import page
from pesanan.events.service import emit
from pesanan.fulfillment.models import carrier
from pesanan.fulfillment.schemas import CarrierCreate, CarrierUpdate


def carrier_view(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {"id": r["id"], "code": r["code"], "name": r["name"],
            "tracking_url_template": r["tracking_url_template"],
            "created_at": rfc3339(r["created_at"]), "updated_at": rfc3339(r["updated_at"])}


def tracking_url(template: str | None, tracking_number: str) -> str | None:
    if not template:
        return None
    return template.replace("{tracking}", quote(tracking_number, safe=""))


def _by_code(conn: Connection, code: str) -> dict[str, Any] | None:
    # Codes are matched case-insensitively: "dhl" and "DHL" are one carrier.
    row = conn.execute(select(carrier).where(func.lower(carrier.c.code) == code.lower())
                       ).mappings().first()
    return dict(row) if row else None


def find(conn: Connection, code: str) -> dict[str, Any] | None:
    """The carrier with this code, or None (shipments by order may name any carrier)."""
    return _by_code(conn, code)


def require(conn: Connection, code: str, field: str = "carrier") -> dict[str, Any]:
    row = _by_code(conn, code)
    if row is None:
        raise ValidationFailed(f"unknown carrier {code}",
                               [FieldError(field, "unknown_carrier", f"no carrier {code}")])
    return row


def create_carrier(conn: Connection, cmd: CarrierCreate) -> dict[str, Any]:
    duplicate = Conflict(f"carrier {cmd.code} already exists",
                         [FieldError("code", "duplicate", "carrier code must be unique")])
    if _by_code(conn, cmd.code) is not None:
        raise duplicate
    ts, cid = now(), new_id()
    row: dict[str, Any] = {"id": cid, "code": cmd.code, "name": cmd.name,
           "tracking_url_template": cmd.tracking_url_template, "created_at": ts,
           "updated_at": ts}
    try:
        with conn.begin_nested():
            conn.execute(carrier.insert(), row)
    except IntegrityError:  # a concurrent create won the unique index on lower(code)
        raise duplicate from None
    view = carrier_view(row)
    emit(conn, "carrier.created", "carrier", cid, view)
    return view


def get_carrier(conn: Connection, code: str) -> dict[str, Any]:
    row = _by_code(conn, code)
    if row is None:
        raise NotFound(f"carrier {code} not found")
    return carrier_view(row)


def update_carrier(conn: Connection, code: str, cmd: CarrierUpdate) -> dict[str, Any]:
    row = _by_code(conn, code)
    if row is None:
        raise NotFound(f"carrier {code} not found")
    changes = cmd.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        raise ValidationFailed("name cannot be empty",
                               [FieldError("name", "required", "a carrier needs a name")])
    row.update(changes, updated_at=now())
    conn.execute(update(carrier).where(carrier.c.id == row["id"])
                 .values(**changes, updated_at=row["updated_at"]))
    view = carrier_view(row)
    emit(conn, "carrier.updated", "carrier", row["id"], view)
    return view


def delete_carrier(conn: Connection, code: str) -> dict[str, Any]:
    """Shipments keep the carrier's name and link as they were, so deleting is always safe."""
    row = _by_code(conn, code)
    if row is None:
        raise NotFound(f"carrier {code} not found")
    conn.execute(delete(carrier).where(carrier.c.id == row["id"]))
    emit(conn, "carrier.deleted", "carrier", row["id"], {"id": row["id"], "code": row["code"]})
    return carrier_view(row)


def list_carriers(conn: Connection, *, limit: int = 50, cursor: str | None = None
                  ) -> dict[str, Any]:
    rows, nxt = page(conn, select(carrier), carrier.c.id, limit, cursor)
    return {"items": [carrier_view(r) for r in rows], "next_cursor": nxt}
