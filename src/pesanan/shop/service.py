"""The shop's settings: read them (every package, through profile()) and change them (admins).

The `shop.updated` event is announced by pesanan.flows.shop_settings: the outbox (events) is a
peer of this package on the platform floor, so the command that writes and announces lives a
floor above."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import Invalid, Retry
from pesanan.shop import queries, rules
from pesanan.shop.models import shop_settings
from pesanan.shop.profile import DEFAULT, ShopProfile
from pesanan.shop.schemas import ShopSettingsIn


def profile(conn: Connection) -> ShopProfile:
    """The shop as it is now: one SELECT by key, no cache (another process may just have changed
    it), the defaults when it was never set."""
    return queries.profile_of(queries.settings_row(conn))


def update(conn: Connection, changes: ShopSettingsIn, actor: Actor) -> ShopProfile:
    """Change the fields `changes` carries (null clears an optional one). Every field is checked
    first; one bad field refuses the whole change (422 naming each) and nothing is written."""
    inv = Invalid()
    values = rules.check(changes.model_dump(exclude_unset=True), inv)
    inv.raise_if_any("The shop's settings have invalid fields")
    return _write(conn, values, actor)


def set_logo(conn: Connection, data: bytes | None, actor: Actor) -> ShopProfile:
    """Replace the logo with an image's bytes (its type read from them), or remove it."""
    if data is None:
        return _write(conn, {"logo": None, "logo_type": None}, actor)
    inv = Invalid()
    kind = rules.check_logo(data, inv)
    inv.raise_if_any("The logo is refused")
    return _write(conn, {"logo": data, "logo_type": kind}, actor)


def _write(conn: Connection, values: dict[str, Any], actor: Actor) -> ShopProfile:
    # Only the columns being changed are written, so two admins changing different fields at
    # once both keep their change. The first write ever inserts the row; two first writes at
    # once collide on the key and the loser re-runs (Retry), finding the row to update.
    stamp = {"updated_at": now(), "updated_by": actor.name[:100]}
    done = conn.execute(sql_update(shop_settings).where(shop_settings.c.id == queries.ROW_ID)
                        .values(**values, **stamp))
    if done.rowcount == 0:
        row = {name: getattr(DEFAULT, name) for name in queries.PROFILE_FIELDS}
        try:
            conn.execute(insert(shop_settings).values(
                id=queries.ROW_ID, **{**row, **values, **stamp}))
        except IntegrityError:
            raise Retry() from None
    return profile(conn)


def in_utc(conn: Connection, **filters: datetime | None) -> dict[str, datetime | None]:
    """Timestamp filters (core.schema.ShopFilter) in UTC: a naive one (a date, a time without
    an offset) is the shop's wall clock. The shop is read only when one is naive."""
    naive = [v for v in filters.values() if v is not None and v.tzinfo is None]
    zone = profile(conn).zone if naive else None
    out: dict[str, datetime | None] = {}
    inv = Invalid()
    for name, value in filters.items():
        if value is None or value.tzinfo is not None or zone is None:
            out[name] = value
            continue
        try:
            out[name] = value.replace(tzinfo=zone).astimezone(UTC)
        except OverflowError:  # 0001-01-01 in Jakarta is before year 1 in UTC
            inv.add(name, "out_of_range", "the timestamp is out of range")
    inv.raise_if_any("A timestamp filter is out of range")
    return out
