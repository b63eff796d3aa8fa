"""Keyset paging by id. Ids are UUIDv7 (time-ordered), so newest-first by id is stable under
inserts, unlike OFFSET paging, and the cursor is just the last id seen (base64, opaque)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, Select, and_, or_

from pesanan.core.errors import FieldError, ValidationFailed

MAX_LIMIT = 250


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        value = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    if len(value) != 36:
        raise ValidationFailed(
            "The cursor is not one this server issued",
            [FieldError("cursor", "invalid", "cursor is malformed")],
        )
    return value


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Sort:
    """Order a list by one of its selected columns (NOT NULL ones only), the id breaking ties
    in the same direction. The caller maps what a URL may ask for to a column name from an
    allow-list (pesanan.web.listing): nothing from a query string reaches the SQL."""

    key: str
    desc: bool = True


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed("The cursor is not one this server issued",
                            [FieldError("cursor", "invalid", "cursor is malformed")])


def _encode_keyed(value: Any, last_id: str) -> str:
    kind = ("dt" if isinstance(value, datetime) else "dec" if isinstance(value, Decimal)
            else "int" if isinstance(value, int) and not isinstance(value, bool) else "str")
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    raw = json.dumps([kind, text, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_keyed(cursor: str | None) -> tuple[Any, str] | None:
    if not cursor:
        return None
    try:
        kind, text, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=="))
        parse: dict[str, Callable[[str], Any]] = {"dt": datetime.fromisoformat, "dec": Decimal,
                                                  "int": int, "str": str}
        value = parse[kind](text)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError,
            InvalidOperation):
        raise _bad_cursor() from None
    if not isinstance(last_id, str) or len(last_id) != 36:
        raise _bad_cursor()
    return value, last_id


def _sorted_page(conn: Connection, stmt: Select[Any], id_col: ColumnElement[Any], limit: int,
                 cursor: str | None, sort: Sort) -> tuple[Sequence[RowMapping], str | None]:
    """Keyset paging on (sort column, id): the cursor carries both of the last row, so the next
    page starts right after it even where many rows share the sort value."""
    col = stmt.selected_columns[sort.key]
    after = _decode_keyed(cursor)
    if after is not None:
        value, last = after
        if sort.desc:
            stmt = stmt.where(or_(col < value, and_(col == value, id_col < last)))
        else:
            stmt = stmt.where(or_(col > value, and_(col == value, id_col > last)))
    order = (col.desc(), id_col.desc()) if sort.desc else (col.asc(), id_col.asc())
    rows = conn.execute(stmt.order_by(*order).limit(limit + 1)).mappings().all()
    if len(rows) > limit:
        last_row = rows[limit - 1]
        return rows[:limit], _encode_keyed(last_row[sort.key], last_row[id_col.name])
    return rows, None


def page(
    conn: Connection, stmt: Select[Any], id_col: ColumnElement[Any], limit: int,
    cursor: str | None, sort: Sort | None = None,
) -> tuple[Sequence[RowMapping], str | None]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"limit must be between 1 and {MAX_LIMIT}",
            [FieldError("limit", "out_of_range", f"1..{MAX_LIMIT}")],
        )
    if sort is not None:
        return _sorted_page(conn, stmt, id_col, limit, cursor, sort)
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(id_col < after)
    rows = conn.execute(stmt.order_by(id_col.desc()).limit(limit + 1)).mappings().all()
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1][id_col.name])
    return rows, None
