"""The shop's settings: read them (every package, through profile()) and change them (admins)."""

from __future__ import annotations

from sqlalchemy import Connection

from pesanan.shop import queries
from pesanan.shop.profile import ShopProfile


def profile(conn: Connection) -> ShopProfile:
    """The shop as it is now: one SELECT by key, no cache (another process may just have changed
    it), the defaults when it was never set."""
    return queries.profile_of(queries.settings_row(conn))
