"""Keyset paging by id. Ids are UUIDv7 (time-ordered), so newest-first by id is stable under
inserts, unlike OFFSET paging, and the cursor is just the last id seen (base64, opaque)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, Select

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


def page(
    conn: Connection, stmt: Select[Any], id_col: ColumnElement[Any], limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"limit must be between 1 and {MAX_LIMIT}",
            [FieldError("limit", "out_of_range", f"1..{MAX_LIMIT}")],
        )
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(id_col < after)
    rows = conn.execute(stmt.order_by(id_col.desc()).limit(limit + 1)).mappings().all()
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1][id_col.name])
    return rows, None
