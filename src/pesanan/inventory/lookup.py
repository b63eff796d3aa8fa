"""Name resolution shared by the stock-state commands: SKUs (through the catalogue) and location
codes to ids, with field errors that say which input was wrong."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, select

from pesanan.catalog import queries as catalog
from pesanan.catalog.queries import ProductRef
from pesanan.core.errors import FieldError
from pesanan.inventory.models import location


def products_by_sku(conn: Connection, skus: Iterable[str]) -> dict[str, ProductRef]:
    return catalog.refs_by_sku(conn, skus)


def line_products(conn: Connection, skus: Sequence[str], errors: list[FieldError], *,
                  twice: str) -> dict[str, ProductRef]:
    """The products of a list of lines (`lines[i].sku`), SKU -> product; every unknown SKU and
    every repeat of one (`twice` says how, in the command's words) is added to `errors`."""
    found = products_by_sku(conn, skus)
    seen: set[str] = set()
    for i, sku in enumerate(skus):
        if sku not in found:
            errors.append(unknown_sku(f"lines[{i}].sku", sku))
        elif sku in seen:
            errors.append(FieldError(f"lines[{i}].sku", "duplicate", twice))
        seen.add(sku)
    return found


def location_code(conn: Connection, location_id: str) -> str | None:
    return conn.execute(select(location.c.code).where(location.c.id == location_id)).scalar()


def locations_by_code(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = conn.execute(select(location.c.code, location.c.id).where(location.c.code.in_(wanted)))
    return {r.code: r.id for r in rows}


def unknown_location(field: str) -> FieldError:
    return FieldError(field, "unknown_location", "no such location")


def unknown_sku(field: str, sku: str) -> FieldError:
    return FieldError(field, "unknown_sku", f"no product with SKU {sku}")
