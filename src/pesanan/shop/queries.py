"""Reading the shop's one settings row."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import Connection, select

from pesanan.shop.models import shop_settings
from pesanan.shop.profile import DEFAULT, ShopProfile

ROW_ID = 1
PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ShopProfile))


def settings_row(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(
        select(shop_settings).where(shop_settings.c.id == ROW_ID)
    ).mappings().first()
    return dict(row) if row is not None else None


def profile_of(row: dict[str, Any] | None) -> ShopProfile:
    if row is None:
        return DEFAULT
    return ShopProfile(**{name: row[name] for name in PROFILE_FIELDS})
